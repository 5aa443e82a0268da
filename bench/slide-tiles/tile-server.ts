// A tile server child process for bench/slide-tiles.ts: `node --import tsx tile-server.ts <slide.tif> <passthrough|sharp>`.
// Prints its port on stdout. Passthrough: SlideTileServer over ranged reads of the file (no decoding).
// sharp: the same stored tile, decoded and re-encoded by sharp (quality 85), as a server that renders tiles would.
import { createServer } from 'node:http';
import { LocalPyramidFile, SlideTileServer } from '@delineate/wsi';

const [path, mode] = process.argv.slice(2);
if (!path || (mode !== 'passthrough' && mode !== 'sharp')) throw new Error('usage: tile-server.ts <slide.tif> <passthrough|sharp>');
const file = new LocalPyramidFile(path);
// No byte-range cache: every request reads its tile from the file, as a cold viewer would.
const tiles = new SlideTileServer({ maxTileBytes: 0 });
const sharp = mode === 'sharp' ? (await import('sharp')).default : undefined;
sharp?.concurrency(1);

const server = createServer((request, response) => {
  const match = /^\/tiles\/(\d+)\/(\d+)\/(\d+)\.jpg$/.exec(request.url ?? '');
  if (!match) {
    response.writeHead(404).end();
    return;
  }
  void (async () => {
    try {
      let jpeg: Uint8Array = await tiles.tile(file, Number(match[1]), Number(match[2]), Number(match[3]));
      if (sharp) jpeg = await sharp(jpeg).jpeg({ quality: 85 }).toBuffer();
      response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': jpeg.byteLength }).end(jpeg);
    } catch {
      response.writeHead(500).end();
    }
  })();
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
