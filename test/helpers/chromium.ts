/** Debian's Chromium, as the browser tests launch it (playwright-core never downloads a browser). */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Headless as root, and quiet: this machine's closed network refuses Chromium's background calls. */
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];
