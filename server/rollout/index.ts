/**
 * The pure read side of rollouts the web app's ops page uses (it meets the server at entry
 * points only): the web rollout record, per-build health counters, the gateway's routing.
 */

export { type GatewayRouting, parseGatewayRouting } from '../web-gateway/routing.ts';
export { parseWebRollout } from './web-codec.ts';
export { type BuildCounters, parseBuildCounters, sumCounters } from './web-health.ts';
export type { WebRollout } from './web-machine.ts';
