import { stopVerb } from './stop-shift.js';

const EXAMPLES = `
Examples:
  tcpshift rollback echo -n echo          # also after the shift was promoted

Like abort, but also for a shift that already ended (promoted): canary 0 is written and the state
becomes 'rolled-back' with the reason "rollback requested by ...". A running shift is asked
(annotation tcpshift.io/request=rollback) and exits 4. A TCPShift run by the controller gets the
same annotation; the command waits for the controller's outcome.
Exit codes: 0 done, 1 the running shift did not act within --timeout, 2 no such shift or bad flag.`;

export const rollbackVerb = stopVerb('rollback', 'Move the traffic of a shift back to stable (canary 0) now, whatever its phase.', EXAMPLES);
