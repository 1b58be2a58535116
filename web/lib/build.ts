/** Build id of this bundle (C6), inlined by Next.js from `NEXT_PUBLIC_RINGDOC_BUILD`. */
export const BUNDLE_BUILD: string = process.env.NEXT_PUBLIC_RINGDOC_BUILD || '0.1.0';

const BUILD = /^[A-Za-z0-9._+-]{1,64}$/;

/**
 * The build a tab reports: the bundle's, unless the page URL carries `?build=` (tests use it
 * to play an outdated tab). Invalid overrides are ignored.
 */
export function effectiveBuild(override: string | undefined | null): string {
  return override && BUILD.test(override) ? override : BUNDLE_BUILD;
}
