/**
 * The life of a report. Open states move towards a fix; closing outcomes end a report that will
 * not be fixed here. Every move is listed: anything else is an illegal transition.
 */
export const OPEN_STATES = ['new', 'acknowledged', 'needs_info', 'triaged', 'fix_in_progress', 'fixed'] as const;
export const CLOSING_OUTCOMES = ['invalid', 'duplicate', 'out_of_scope', 'not_applicable', 'spam', 'forwarded_upstream'] as const;
export const STATES = [...OPEN_STATES, 'disclosed', ...CLOSING_OUTCOMES] as const;

export type ReportState = (typeof STATES)[number];
export type ClosingOutcome = (typeof CLOSING_OUTCOMES)[number];

const TRANSITIONS: Record<ReportState, readonly ReportState[]> = {
  new: ['acknowledged', 'needs_info', 'triaged', ...CLOSING_OUTCOMES],
  acknowledged: ['needs_info', 'triaged', ...CLOSING_OUTCOMES],
  needs_info: ['acknowledged', 'triaged', 'fix_in_progress', ...CLOSING_OUTCOMES],
  triaged: ['fix_in_progress', 'needs_info', 'fixed', ...CLOSING_OUTCOMES],
  fix_in_progress: ['fixed', 'triaged', 'needs_info'],
  // A fix that turns out incomplete goes back to work.
  fixed: ['disclosed', 'fix_in_progress'],
  disclosed: [],
  // A closed report can be reopened when new information shows the verdict was wrong.
  invalid: ['acknowledged'],
  duplicate: ['acknowledged'],
  out_of_scope: ['acknowledged'],
  not_applicable: ['acknowledged'],
  spam: ['acknowledged'],
  forwarded_upstream: ['acknowledged'],
};

export function isClosingOutcome(state: string): state is ClosingOutcome {
  return (CLOSING_OUTCOMES as readonly string[]).includes(state);
}

export function isTerminal(state: ReportState): boolean {
  return state === 'disclosed' || isClosingOutcome(state);
}

export function allowedTransitions(from: ReportState): readonly ReportState[] {
  return TRANSITIONS[from];
}

export function canTransition(from: ReportState, to: ReportState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Which clock facts a move settles: the SLA clocks read these, not the state names. */
export type TransitionEffects = {
  acknowledges: boolean;
  assesses: boolean;
  resolves: boolean;
  closes: boolean;
  reopens: boolean;
  pauses: boolean;
  resumes: boolean;
};

export function transitionEffects(from: ReportState, to: ReportState): TransitionEffects {
  const closing = isClosingOutcome(to);
  return {
    acknowledges: from === 'new',
    assesses: to === 'triaged' || to === 'fix_in_progress' || to === 'fixed' || closing,
    resolves: to === 'fixed' || to === 'disclosed' || closing,
    closes: to === 'disclosed' || closing,
    reopens: isClosingOutcome(from) || (from === 'fixed' && to === 'fix_in_progress'),
    pauses: to === 'needs_info',
    resumes: from === 'needs_info',
  };
}
