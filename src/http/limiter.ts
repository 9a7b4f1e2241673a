/** @deprecated The login queue's former module (its tests import it): see login-queue.ts. */
export {
  createLoginQueue as createLimiter,
  type LoginQueue as Limiter,
  type LoginQueueOptions as LimiterOptions,
  REFUSED,
} from './login-queue.js';
