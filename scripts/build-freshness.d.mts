/** Why the build in `rootDir` is stale (missing, or older than a file of src/), or null when it is current. */
export function staleBuild(rootDir: string, entry?: string): string | null;
