/**
 * The ring: a pure consistent-hash core (`core/`) and its etcd adapter (`etcd/`).
 * Every process that sees the same active members computes the same owner (DESIGN R1).
 */
export * from './core/index.ts';
export * from './etcd/index.ts';
