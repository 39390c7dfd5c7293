/** Nym's threshold for n registered dealers: ⌈2n/3⌉ (advance_epoch_state.rs). */
export const dkgThreshold = (registeredDealers: number): number => Math.ceil((2 * registeredDealers) / 3);
