import { stopVerb } from './stop-shift.js';

const EXAMPLES = `
Examples:
  tcpshift abort echo -n echo
  tcpshift abort echo -n echo --timeout 0     # ask, do not wait

A running shift (live lock holder) is asked through the annotation tcpshift.io/request=abort: it
notices within about a second, writes canary 0 and exits 4; this command waits for that and
prints the outcome. A paused shift, or one whose process died, is rolled back here (canary 0 and
the state 'aborted' in one write). A TCPShift run by the controller gets the same annotation;
the command waits for the controller to honour it and prints the TCPShift's phase and weights.
Exit codes: 0 done (or nothing to abort), 1 the running shift did not act within --timeout,
2 no such shift or bad flag.`;

export const abortVerb = stopVerb('abort', 'Stop a shift and move the traffic back to stable (canary 0).', EXAMPLES);
