// Chromium comes from Debian's package (SPEC section 4): puppeteer must never download a browser of its own.
module.exports = { skipDownload: true };
