/**
 * Entry point of a worker thread of the experiment pool (piscina loads this file by its
 * path in dist/). A task either prepares the thread for some kinds of work or drains a queue.
 */
import { drainInWorker, prepareInWorker, type WorkerTask } from './pool.js';

/** Does one task in this worker thread; resolves to the spans of its loading (when recording a timeline). */
export default function work(task: WorkerTask): Promise<unknown> {
  return task.task === 'drain' ? drainInWorker(task) : prepareInWorker(task);
}
