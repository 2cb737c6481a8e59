/** Something with a deadline: `expire()` is called once it has passed, and must leave the set. */
export interface Expiring {
  readonly deadline: number
  expire (reason?: string): void
}

/**
 * The timeouts of all pending runs on one timer instead of one timer per run:
 * a run joins with its deadline and leaves when it settles. The timer is armed
 * for the earliest deadline and re-armed when it fires; it is ref'd only while
 * a run is pending, because a caller awaits it, and unref'd when none is.
 */
export class Deadlines {
  readonly #pending = new Set<Expiring>()
  #timer: NodeJS.Timeout | undefined
  #armedFor = Infinity

  add (item: Expiring): void {
    this.#pending.add(item)
    if (item.deadline < this.#armedFor) this.#arm(item.deadline)
    else if (this.#pending.size === 1) this.#timer?.ref()
  }

  delete (item: Expiring): void {
    this.#pending.delete(item)
    if (this.#pending.size === 0) this.#timer?.unref()
  }

  /** Expires every pending item with this reason, and stops the timer. */
  clear (reason: string): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    this.#armedFor = Infinity
    for (const item of this.#pending) item.expire(reason)
  }

  #arm (deadline: number): void {
    clearTimeout(this.#timer)
    this.#armedFor = deadline
    this.#timer = setTimeout(this.#fire, Math.max(0, deadline - performance.now()))
  }

  readonly #fire = (): void => {
    this.#timer = undefined
    this.#armedFor = Infinity
    const now = performance.now()
    let next = Infinity
    for (const item of this.#pending) {
      if (item.deadline <= now) item.expire()
      else if (item.deadline < next) next = item.deadline
    }
    if (next !== Infinity) this.#arm(next)
  }
}
