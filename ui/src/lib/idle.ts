/**
 * Idle sign-out timer.
 *
 * `activity()` is cheap (it only records a timestamp), so it can be called on
 * every key press or mouse move. A single timeout fires at lastActivity +
 * idleMs; if there was activity meanwhile it re-arms itself. `onTouch` (the
 * `touch` command, which keeps the Rust-side session alive) is called at
 * most once per `touchIntervalMs`.
 */
export type IdleOptions = {
  idleMs: number;
  onIdle: () => void;
  onTouch: () => void;
  touchIntervalMs?: number;
  now?: () => number;
};

export class IdleTracker {
  private readonly idleMs: number;
  private readonly touchIntervalMs: number;
  private readonly onIdle: () => void;
  private readonly onTouch: () => void;
  private readonly now: () => number;
  private lastActivity = 0;
  private lastTouch = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private running = false;

  constructor(options: IdleOptions) {
    this.idleMs = options.idleMs;
    this.touchIntervalMs = options.touchIntervalMs ?? 60_000;
    this.onIdle = options.onIdle;
    this.onTouch = options.onTouch;
    this.now = options.now ?? (() => Date.now());
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** Start counting from now. The session was just used (sign-in), so no touch is sent yet. */
  start(): void {
    if (!(this.idleMs > 0)) return;
    this.running = true;
    const now = this.now();
    this.lastActivity = now;
    this.lastTouch = now;
    this.arm(this.idleMs);
  }

  stop(): void {
    this.running = false;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  activity(): void {
    if (!this.running) return;
    const now = this.now();
    this.lastActivity = now;
    if (now - this.lastTouch >= this.touchIntervalMs) {
      this.lastTouch = now;
      this.onTouch();
    }
  }

  private arm(delay: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(), Math.max(0, delay));
  }

  private check(): void {
    this.timer = null;
    if (!this.running) return;
    const remaining = this.lastActivity + this.idleMs - this.now();
    if (remaining > 0) {
      this.arm(remaining);
      return;
    }
    this.stop();
    this.onIdle();
  }
}

/** DOM events that count as the officer still being at the desk. */
export const ACTIVITY_EVENTS = [
  'keydown',
  'pointerdown',
  'mousedown',
  'mousemove',
  'wheel',
  'touchstart',
] as const;
