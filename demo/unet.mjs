// The segmentation demo's U-Net, shared by `npm run segment` (demo/segment.mjs) and the page's Segment tab.
// Written as a PyTorch user would write it: modules assigned to fields of a Module subclass (keys such as
// "down.0.conv.weight"), a forward that keeps the encoder's outputs and concatenates them into the decoder.
//
//   64x64  stem ─────────────────────────────────────────────── cat ─ head (1x1, 1x1) -> classes
//   32x32    └ pool ─ down.0 ──────────────────────── cat ─ dec.1 ┘ up.2
//   16x16              └ pool ─ down.1 ───── cat ─ dec.0 ┘ up.1
//    8x8                          └ pool ─ down.2 ┘ up.0
// The input is first normalised per canvas and colour channel (groupNorm with a group per channel). Each block
// is conv 3x3 (no bias) + BatchNorm + ReLU; the decoder upsamples with 2x2 transposed convolutions.
// The full-resolution stem (a few channels: it is the costliest level) feeds the head directly, so mask edges
// follow the pixels, while the class of each digit comes up from the 8x8 level, whose receptive field covers
// a whole digit. Channels: width at full resolution, then 2, 4 and 6 times width going down.

/** @param {typeof import('../src/index')} wc */
export function makeUNet(wc, { width = 8, classes = 11 } = {}) {
  const { nn } = wc;
  const w = width;
  // channels per level: full resolution is the costliest, the 8x8 level the cheapest and where digits are told apart
  const [c0, c1, c2, c3] = [w, 2 * w, 4 * w, 6 * w];

  class ConvBlock extends nn.Module {
    constructor(cin, cout) {
      super();
      this.conv = new nn.Conv2d(cin, cout, 3, { padding: 1, bias: false });
      this.norm = new nn.BatchNorm2d(cout);
    }
    forward(x) {
      return wc.relu(this.norm.forward(this.conv.forward(x)));
    }
  }

  class UNet extends nn.Module {
    constructor() {
      super();
      // two convolutions at full resolution: a pixel's class edge needs its neighbourhood's colours
      this.stem = new nn.Sequential(new ConvBlock(3, c0), new ConvBlock(c0, c0));
      this.down = new nn.ModuleList([new ConvBlock(c0, c1), new ConvBlock(c1, c2), new ConvBlock(c2, c3)]);
      this.bottom = new ConvBlock(c3, c3);
      // no bias: a batch norm or the head's own bias follows each
      this.up = new nn.ModuleList([
        new nn.ConvTranspose2d(c3, c2, 2, { stride: 2, bias: false }),
        new nn.ConvTranspose2d(c1, c1, 2, { stride: 2, bias: false }),
        new nn.ConvTranspose2d(c0, c0, 2, { stride: 2, bias: false }),
      ]);
      this.dec = new nn.ModuleList([new ConvBlock(2 * c2, c1), new ConvBlock(2 * c1, c0)]);
      this.head = new nn.Sequential(new nn.Conv2d(2 * c0, 2 * c0, 1), new nn.ReLU(), new nn.Conv2d(2 * c0, classes, 1));
    }
    forward(x) {
      const pool = (t) => wc.maxPool2d(t, { kernelSize: 2 });
      // Each canvas normalised per colour channel (instance norm): its background, most of its pixels, whatever
      // its colour, comes out near 0, and the digits far from it, so the stem finds ink from the first steps.
      const s0 = this.stem.forward(wc.groupNorm(x, 3));
      const s1 = this.down.get(0).forward(pool(s0));
      const s2 = this.down.get(1).forward(pool(s1));
      const deep = this.bottom.forward(this.down.get(2).forward(pool(s2)));
      const d2 = this.dec.get(0).forward(wc.cat([this.up.get(0).forward(deep), s2], 1));
      const d1 = this.dec.get(1).forward(wc.cat([this.up.get(1).forward(d2), s1], 1));
      return this.head.forward(wc.cat([this.up.get(2).forward(d1), s0], 1));
    }
  }

  return new UNet();
}
