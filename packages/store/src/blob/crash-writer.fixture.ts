// Child process for local-crash.test.ts: writes random blobs forever and prints each
// address only after put() resolved, until the test kills it with SIGKILL.
import { randomBytes, randomInt } from 'node:crypto';
import { BlobKey, parseBlobKeyText } from './key';
import { LocalBlobStore } from './local';

const dir = process.argv[2];
const keyText = process.env.DELINEATE_KEY;
if (!dir || !keyText) throw new Error('usage: crash-writer.fixture.ts <blob folder> (with DELINEATE_KEY)');
const store = new LocalBlobStore({ dir, key: new BlobKey(parseBlobKeyText(keyText, 'DELINEATE_KEY'), 'env') });

async function writer(): Promise<never> {
  for (;;) {
    const { hash } = await store.put(randomBytes(randomInt(1, 512 * 1024)));
    process.stdout.write(`${hash}\n`);
  }
}

await Promise.all([writer(), writer(), writer()]);
