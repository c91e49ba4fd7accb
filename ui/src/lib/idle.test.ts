import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleTracker } from './idle';

describe('IdleTracker', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date(2024, 0, 1, 8, 0, 0));
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  function make(idleMinutes = 15) {
    const onIdle = vi.fn();
    const onTouch = vi.fn();
    const tracker = new IdleTracker({ idleMs: idleMinutes * 60_000, onIdle, onTouch });
    return { tracker, onIdle, onTouch };
  }

  it('fires after the idle time without activity', () => {
    const { tracker, onIdle } = make(15);
    tracker.start();
    vi.advanceTimersByTime(15 * 60_000 - 1);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(onIdle).toHaveBeenCalledTimes(1);
    expect(tracker.isRunning).toBe(false);
  });

  it('activity postpones the sign-out', () => {
    const { tracker, onIdle } = make(15);
    tracker.start();
    vi.advanceTimersByTime(10 * 60_000);
    tracker.activity();
    vi.advanceTimersByTime(10 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
    vi.advanceTimersByTime(5 * 60_000);
    expect(onIdle).toHaveBeenCalledTimes(1);
  });

  it('touches at most once a minute', () => {
    const { tracker, onTouch } = make(15);
    tracker.start();
    tracker.activity();
    expect(onTouch).not.toHaveBeenCalled();
    for (let i = 0; i < 30; i++) {
      vi.advanceTimersByTime(5_000);
      tracker.activity();
    }
    // 150 s of steady activity → touches at 60 s and 120 s.
    expect(onTouch).toHaveBeenCalledTimes(2);
  });

  it('stop cancels the timer and ignores activity', () => {
    const { tracker, onIdle, onTouch } = make(1);
    tracker.start();
    tracker.stop();
    vi.advanceTimersByTime(5 * 60_000);
    tracker.activity();
    expect(onIdle).not.toHaveBeenCalled();
    expect(onTouch).not.toHaveBeenCalled();
  });

  it('does nothing with a non-positive idle time', () => {
    const { tracker, onIdle } = make(0);
    tracker.start();
    vi.advanceTimersByTime(60 * 60_000);
    expect(onIdle).not.toHaveBeenCalled();
    expect(tracker.isRunning).toBe(false);
  });
});
