/**
 * Test support's public entry point: a real etcd on a free loopback port, free ports, waiting on
 * state, property-test seeds, a TCP proxy that can pause, recording loggers, cleanup stacks.
 */
export * from './cleanup.ts';
export * from './etcd-server.ts';
export * from './free-port.ts';
export * from './recording-logger.ts';
export * from './seed.ts';
export * from './tcp-proxy.ts';
export * from './wait.ts';
