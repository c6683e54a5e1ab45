// A small PNG decoder (8-bit RGB/RGBA, non-interlaced — what Chromium screenshots are) and a
// pixel comparison, for screenshot tests without a dependency.
import { inflateSync } from 'node:zlib';

/** Decodes a PNG into { width, height, rgba: Uint8Array }. */
export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let off = 8;
  let width = 0;
  let height = 0;
  let colorType = 0;
  const idat = [];
  while (off < buf.length) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString('ascii', off + 4, off + 8);
    const data = buf.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colorType = data[9];
      if (depth !== 8 || (colorType !== 2 && colorType !== 6) || data[12] !== 0) {
        throw new Error(`unsupported PNG (depth ${depth}, color type ${colorType}, interlace ${data[12]})`);
      }
    } else if (type === 'IDAT') {
      idat.push(data);
    } else if (type === 'IEND') {
      break;
    }
    off += 12 + len;
  }
  const channels = colorType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  const px = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = px.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? px.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[i - channels] : 0;
      const b = prev ? prev[i] : 0;
      const c = prev && i >= channels ? prev[i - channels] : 0;
      let v;
      switch (filter) {
        case 0: v = line[i]; break;
        case 1: v = line[i] + a; break;
        case 2: v = line[i] + b; break;
        case 3: v = line[i] + ((a + b) >> 1); break;
        case 4: {
          const p = a + b - c;
          const pa = Math.abs(p - a);
          const pb = Math.abs(p - b);
          const pc = Math.abs(p - c);
          v = line[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
          break;
        }
        default: throw new Error(`bad PNG filter ${filter}`);
      }
      out[i] = v & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: px };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < px.length; i += 3, j += 4) {
    rgba[j] = px[i];
    rgba[j + 1] = px[i + 1];
    rgba[j + 2] = px[i + 2];
    rgba[j + 3] = 255;
  }
  return { width, height, rgba };
}

/**
 * Compares two screenshots: { sameSize, differing, total, fraction } where `differing` counts
 * pixels whose channels differ by more than `tolerance` (0–255). With `opaqueInA`, only pixels
 * fully opaque in `a` count: in an `omitBackground` shot of an element that is where the element
 * itself painted (its rounded corners show whatever the page has behind them).
 */
export function comparePngs(a, b, { tolerance = 0, opaqueInA = false } = {}) {
  const x = decodePng(a);
  const y = decodePng(b);
  if (x.width !== y.width || x.height !== y.height) {
    return { sameSize: false, sizes: [`${x.width}x${x.height}`, `${y.width}x${y.height}`], differing: Infinity, total: x.width * x.height, fraction: 1 };
  }
  let differing = 0;
  let total = 0;
  for (let i = 0; i < x.rgba.length; i += 4) {
    if (opaqueInA && x.rgba[i + 3] !== 255) continue;
    total++;
    for (let k = 0; k < 4; k++) {
      if (Math.abs(x.rgba[i + k] - y.rgba[i + k]) > tolerance) {
        differing++;
        break;
      }
    }
  }
  return { sameSize: true, sizes: [`${x.width}x${x.height}`], differing, total, fraction: differing / total };
}
