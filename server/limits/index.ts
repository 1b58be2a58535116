/** Rate limiting's public entry point: the token bucket the web app's endpoints use too. */
export { createTokenBucket, type TokenBucket } from './token-bucket.ts';
