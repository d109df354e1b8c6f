/**
 * A value a spec field points to (a signing key, a chat URL) that this process cannot read. The
 * message names the field and the problem, never the value: a key or a webhook URL is a
 * credential. The CLI turns it into exit 2; the controller reports it on the shift.
 */
export class UnreadableSettingError extends Error {
  constructor(
    /** The spec field, e.g. spec.webhooks[0].secret.secretRef or spec.notifications[1].urlFrom.env. */
    readonly path: string,
    problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}
