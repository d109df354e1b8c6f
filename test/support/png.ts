// A minimal PNG reader for picture tests (8-bit RGB/RGBA, non-interlaced: what rsvg-convert
// writes): chunks, zlib inflate of the IDAT data, and the five scanline filters of the PNG spec.
import { inflateSync } from 'node:zlib';

export interface Picture {
  width: number;
  height: number;
  /** [r, g, b, a] of the pixel at (x, y). */
  pixel(x: number, y: number): [number, number, number, number];
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

function unfilter(raw: Buffer, width: number, height: number, bpp: number): Buffer {
  const stride = width * bpp;
  const out = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)] as number;
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i] as number;
      const a = i >= bpp ? (out[y * stride + i - bpp] as number) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + i] as number) : 0;
      const c = i >= bpp && y > 0 ? (out[(y - 1) * stride + i - bpp] as number) : 0;
      const predictor = [0, a, b, (a + b) >> 1, paeth(a, b, c)][filter];
      if (predictor === undefined) throw new Error(`PNG filter ${filter} unknown`);
      out[y * stride + i] = (x + predictor) & 0xff;
    }
  }
  return out;
}

export function decodePng(file: Buffer): Picture {
  if (file.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let offset = 8;
  let width = 0;
  let height = 0;
  let bpp = 0;
  const data: Buffer[] = [];
  while (offset < file.length) {
    const length = file.readUInt32BE(offset);
    const type = file.toString('ascii', offset + 4, offset + 8);
    const body = file.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      const [depth, colorType, , , interlace] = [body[8], body[9], body[10], body[11], body[12]];
      if (depth !== 8 || interlace !== 0 || (colorType !== 2 && colorType !== 6)) throw new Error(`PNG depth ${depth} color type ${colorType} interlace ${interlace} not supported`);
      bpp = colorType === 6 ? 4 : 3;
    } else if (type === 'IDAT') data.push(body);
    offset += 12 + length;
  }
  const pixels = unfilter(inflateSync(Buffer.concat(data)), width, height, bpp);
  return {
    width,
    height,
    pixel(x, y) {
      const at = (Math.round(y) * width + Math.round(x)) * bpp;
      return [pixels[at] as number, pixels[at + 1] as number, pixels[at + 2] as number, bpp === 4 ? (pixels[at + 3] as number) : 255];
    },
  };
}
