/**
 * A pool of worker threads, one per core by default. Each worker opens its own backbone session
 * with one ONNX intra-op thread, which measured fastest on this hardware (two sessions of one
 * thread beat one session of two threads by keeping decode and inference overlapped).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

interface Pending<R> {
  resolve: (value: R) => void;
  reject: (error: Error) => void;
}

/** Runs tasks of type T producing R on a fixed set of workers, in any order, one task each. */
export class WorkerPool<T, R> {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly queue: { task: T; pending: Pending<R> }[] = [];
  private readonly running = new Map<Worker, Pending<R>>();
  private failure: Error | undefined;

  /**
   * @param script URL of the compiled worker module (it answers each message with
   *   `{ ok: true, result }` or `{ ok: false, error }`)
   * @param size number of workers, default: one per core
   * @param workerData passed to every worker at start
   */
  constructor(script: URL, size = availableParallelism(), workerData?: unknown) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = new Worker(script, { workerData });
      worker.on('message', (message: { ok: boolean; result?: R; error?: string }) => {
        const pending = this.running.get(worker);
        this.running.delete(worker);
        if (pending) {
          if (message.ok) pending.resolve(message.result as R);
          else pending.reject(new Error(message.error));
        }
        this.next(worker);
      });
      worker.on('error', (error) => this.fail(error));
      worker.on('exit', (code) => {
        if (code !== 0 && !this.failure)
          this.fail(new Error(`a worker thread exited with code ${code}`));
      });
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Queues a task; resolves with the worker's result. */
  run(task: T): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ task, pending: { resolve, reject } });
      const worker = this.idle.pop();
      if (worker) this.next(worker);
    });
  }

  private next(worker: Worker): void {
    const job = this.queue.shift();
    if (!job) {
      this.idle.push(worker);
      return;
    }
    this.running.set(worker, job.pending);
    worker.postMessage(job.task);
  }

  private fail(error: Error): void {
    this.failure = error;
    for (const pending of this.running.values()) pending.reject(error);
    this.running.clear();
    for (const job of this.queue.splice(0)) job.pending.reject(error);
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
