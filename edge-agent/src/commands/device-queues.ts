/**
 * One queue per device: commands to a device run one at a time, in the order
 * they arrived, and devices do not wait for each other.
 */
export class DeviceQueues {
  private readonly tails = new Map<string, Promise<void>>();

  /** Run `task` after every task queued before it for this device. Never rejects: tasks report their own failures. */
  run(device: string, task: () => Promise<void>): Promise<void> {
    const next = (this.tails.get(device) ?? Promise.resolve()).then(task).catch(() => undefined);
    this.tails.set(device, next);
    void next.then(() => {
      if (this.tails.get(device) === next) this.tails.delete(device);
    });
    return next;
  }

  /** Resolves when every task queued so far has finished. */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
