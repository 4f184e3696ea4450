/**
 * Closed forms of queueing theory that the simulator must reproduce.
 */

/** Erlang C: probability that an arrival waits in an M/M/c queue with offered load a = λ/μ. */
export function erlangC(servers: number, offeredLoad: number): number {
  const rho = offeredLoad / servers;
  if (rho >= 1) throw new Error('unstable queue');
  // Sum a^k/k! for k < c, computed term by term to stay finite for large c.
  let term = 1;
  let sum = 1;
  for (let k = 1; k < servers; k++) {
    term *= offeredLoad / k;
    sum += term;
  }
  const last = (term * offeredLoad) / servers / (1 - rho);
  return last / (sum + last);
}

/** Mean wait in queue of M/M/c: C(c, a) / (cμ − λ). */
export function mmcMeanWait(servers: number, arrivalRate: number, serviceRate: number): number {
  return erlangC(servers, arrivalRate / serviceRate) / (servers * serviceRate - arrivalRate);
}

/** Mean wait in queue of M/G/1 (Pollaczek–Khinchine): λ E[S²] / (2(1 − ρ)). */
export function mg1MeanWait(arrivalRate: number, meanService: number, secondMomentService: number): number {
  const rho = arrivalRate * meanService;
  if (rho >= 1) throw new Error('unstable queue');
  return (arrivalRate * secondMomentService) / (2 * (1 - rho));
}
