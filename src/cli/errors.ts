/**
 * Invalid input from the user: a bad flag value, file or field. The CLI prints the message and
 * exits 2; nothing has been written when it is thrown. The message names the field.
 */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
