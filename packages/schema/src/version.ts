/**
 * The platform's version, as the server reports it and the release documents state it. A
 * constant rather than a read of package.json at run time, so the bundled CLI carries it; a
 * test keeps it equal to the workspace's package version.
 */
export const platformVersion = '0.1.0';
