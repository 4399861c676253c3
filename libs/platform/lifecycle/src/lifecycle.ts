import type { Logger } from '@kubeguard/log';

/** Options for {@link createLifecycle}. */
export interface LifecycleOptions {
  log: Logger;
  /**
   * How long all stop handlers together may take before the process gives up
   * waiting and exits with code 1.
   * @default 15000
   */
  forceMs?: number;
  /** @default ['SIGINT', 'SIGTERM'] */
  signals?: readonly NodeJS.Signals[];
  /** Turn unhandled rejections and uncaught exceptions into a stop with code 1. @default true */
  handleProcessErrors?: boolean;
}

/** The shutdown coordinator of one process. */
export interface Lifecycle {
  /**
   * Registers a stop step. Steps run one after another in reverse order of
   * registration, so register what others depend on first (store, then bus,
   * then servers) and teardown comes out right.
   */
  onStop(name: string, fn: () => Promise<void> | void): void;
  /** Starts shutdown; later calls return the same promise. */
  stop(reason: string, exitCode?: number): Promise<number>;
  /** True once shutdown has begun: readiness probes report not ready. */
  isStopping(): boolean;
  /** Settles with the exit code when every step has run or the deadline passed. */
  readonly stopped: Promise<number>;
}

interface Step {
  name: string;
  fn: () => Promise<void> | void;
}

/** Creates the process lifecycle and installs its signal handlers. */
export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const { log } = options;
  const forceMs = options.forceMs ?? 15_000;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const steps: Step[] = [];
  let running: Promise<number> | undefined;
  let settle: (code: number) => void = () => undefined;
  const stopped = new Promise<number>(resolve => {
    settle = resolve;
  });

  const onSignal = (signal: NodeJS.Signals): void => {
    void stop(`received ${signal}`);
  };
  const onRejection = (reason: unknown): void => {
    log.fatal('unhandled promise rejection', { err: reason });
    void stop('unhandled promise rejection', 1);
  };
  const onException = (err: Error): void => {
    log.fatal('uncaught exception', { err });
    void stop('uncaught exception', 1);
  };
  for (const signal of signals) {
    process.on(signal, onSignal);
  }
  const handleProcessErrors = options.handleProcessErrors ?? true;
  if (handleProcessErrors) {
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
  }

  function detach(): void {
    for (const signal of signals) {
      process.off(signal, onSignal);
    }
    if (handleProcessErrors) {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    }
  }

  async function runSteps(exitCode: number): Promise<number> {
    let code = exitCode;
    for (const step of [...steps].reverse()) {
      try {
        await step.fn();
        log.debug('stopped', { step: step.name });
      } catch (err) {
        code = 1;
        log.error('stop step failed', { step: step.name, err });
      }
    }
    return code;
  }

  function stop(reason: string, exitCode = 0): Promise<number> {
    if (running) {
      return running;
    }
    log.info('shutting down', { reason });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<number>(resolve => {
      timer = setTimeout(() => {
        log.error('shutdown grace period expired', { forceMs });
        resolve(1);
      }, forceMs);
    });
    running = Promise.race([runSteps(exitCode), deadline]).then(code => {
      clearTimeout(timer);
      detach();
      log.info('stopped', { exitCode: code });
      settle(code);
      return code;
    });
    return running;
  }

  return {
    onStop: (name, fn) => {
      steps.push({ name, fn });
    },
    stop,
    isStopping: () => running !== undefined,
    stopped,
  };
}
