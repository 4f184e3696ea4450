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

/**
 * Mean wait in queue of each class of a non-preemptive priority M/G/1 queue (Cobham, 1954):
 * class k (0 served first) waits W0 / ((1 − σ(k−1))(1 − σ(k))), with W0 = Σ λi E[Si²] / 2 the
 * mean residual work of the task in service and σ(k) = Σ_{i≤k} ρi.
 * @param classes - per class, in priority order: arrival rate, E[S] and E[S²]
 */
export function cobhamMeanWaits(classes: readonly { arrivalRate: number; meanService: number; secondMomentService: number }[]): number[] {
  const w0 = classes.reduce((sum, c) => sum + (c.arrivalRate * c.secondMomentService) / 2, 0);
  return priorityWaits(w0, classes.map((c) => c.arrivalRate * c.meanService));
}

/**
 * Mean wait in queue of each class of a non-preemptive priority M/M/c queue whose classes share
 * one service rate μ: class k waits C(c, a) / (cμ) / ((1 − σ(k−1))(1 − σ(k))), with a = Σλ/μ
 * and σ(k) = Σ_{i≤k} λi / (cμ) (Cobham's form with Erlang C's mean residual wait).
 */
export function mmcPriorityMeanWaits(servers: number, arrivalRates: readonly number[], serviceRate: number): number[] {
  const total = arrivalRates.reduce((sum, rate) => sum + rate, 0);
  const w0 = erlangC(servers, total / serviceRate) / (servers * serviceRate);
  return priorityWaits(w0, arrivalRates.map((rate) => rate / (servers * serviceRate)));
}

/** W0 / ((1 − σ(k−1))(1 − σ(k))) for each class k, from the classes' loads in priority order. */
function priorityWaits(w0: number, loads: readonly number[]): number[] {
  let above = 0;
  return loads.map((load) => {
    const through = above + load;
    if (through >= 1) throw new Error('unstable queue');
    const wait = w0 / ((1 - above) * (1 - through));
    above = through;
    return wait;
  });
}
