/**
 * The live view's lines fitted to a terminal width, pure: the weights bar shrinks first (30 cells
 * down to 6, then it goes), then the least useful fields go, in this order: the new connections'
 * interval, the split word, the heartbeats echoed, the drained count, the bake time left. The
 * long-lived and new-connection counters share a line when it fits, else take one each. What
 * a user acts on stays: step, phase, both weights, failed and broken counts, the canary share.
 */
export interface LiveViewFields {
  /** `step 2/4` or `starting` */
  step: string;
  phase: string;
  /** `bake 8s left`, when baking */
  bakeLeft?: string;
  canary: number;
  longLived: { open: number; wanted: number; echoed: number; drained: number; broken: number };
  newConnections?: { attempted: number; perStep: number; failed: number; share: string; interval: string; split?: string };
}

export const FULL_BAR = 30;
const MIN_BAR = 6;

/** `▕██████░░░░░░▏` with the canary share filled, `width` cells between the ends. */
export function weightBar(canary: number, width = FULL_BAR): string {
  const filled = Math.round((canary / 100) * width);
  return `▕${'█'.repeat(filled)}${'░'.repeat(width - filled)}▏`;
}

const length = (text: string): number => [...text].length;

function weightsLine(f: LiveViewFields, room: number): string {
  for (const bakeLeft of f.bakeLeft ? [`, ${f.bakeLeft}`, ''] : ['']) {
    const head = `${f.step} ${f.phase}${bakeLeft}  stable ${100 - f.canary}% `;
    const tail = ` canary ${f.canary}%`;
    const bar = Math.min(FULL_BAR, room - length(head) - length(tail) - 2);
    if (bar >= MIN_BAR) return `${head}${weightBar(f.canary, bar)}${tail}`;
    const bare = `${f.step} ${f.phase}${bakeLeft}  stable ${100 - f.canary}% / canary ${f.canary}%`;
    if (length(bare) <= room) return bare;
  }
  return `${f.step} ${f.phase}  stable ${100 - f.canary} / canary ${f.canary}`;
}

/** The long-lived counters, fullest first. */
function longLivedVariants(l: LiveViewFields['longLived']): string[] {
  return [
    `long-lived ${l.open}/${l.wanted} open, ${l.echoed} echoed, ${l.drained} drained, ${l.broken} broken`,
    `long-lived ${l.open}/${l.wanted} open, ${l.drained} drained, ${l.broken} broken`,
    `long-lived ${l.open}/${l.wanted} open, ${l.broken} broken`,
  ];
}

/** The new-connection counters, fullest first. */
function newVariants(n: LiveViewFields['newConnections']): string[] {
  if (!n) return ['new -'];
  const head = `new ${n.attempted}/${n.perStep} (${n.failed} failed), canary ${n.share}`;
  const split = n.split ? `, split ${n.split}` : '';
  return [`${head} ${n.interval}${split}`, `${head}${split}`, head, `new ${n.attempted} (${n.failed} failed), ${n.share}`];
}

const firstFitting = (variants: string[], room: number): string => variants.find((v) => length(v) <= room) ?? (variants.at(-1) as string);

/** The counters on one line when the fullest forms fit, else one line each in the fullest form that fits. */
function counterLines(f: LiveViewFields, room: number): string[] {
  const longLived = longLivedVariants(f.longLived);
  const fresh = newVariants(f.newConnections);
  const together = `${longLived[0] as string} | ${fresh[0] as string}`;
  if (length(together) <= room) return [together];
  return [firstFitting(longLived, room), firstFitting(fresh, room)];
}

/** The live view for a terminal of `columns` (one column is kept free: a full line would wrap on some terminals). */
export function liveViewLines(f: LiveViewFields, columns = Infinity): string[] {
  const room = Math.max(20, columns - 1);
  return [weightsLine(f, room), ...counterLines(f, room)].map((line) => (length(line) <= room ? line : [...line].slice(0, room).join('')));
}
