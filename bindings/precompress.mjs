// Writes FILE.gz (gzip -9) and FILE.br (brotli, quality 11) beside each FILE given, for ucsd to serve
// as they are (src/server/net/static_files.cpp): compressed once at build time, at the slowest and
// best settings, instead of on the first request. Run by bindings/bundle.cmake.
//   node bindings/precompress.mjs FILE...
import fs from 'node:fs';
import zlib from 'node:zlib';

for (const file of process.argv.slice(2)) {
  const data = fs.readFileSync(file);
  const text = !file.endsWith('.wasm');
  fs.writeFileSync(`${file}.gz`, zlib.gzipSync(data, { level: 9 }));
  fs.writeFileSync(
    `${file}.br`,
    zlib.brotliCompressSync(data, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: zlib.constants.BROTLI_MAX_QUALITY,
        [zlib.constants.BROTLI_PARAM_MODE]: text ? zlib.constants.BROTLI_MODE_TEXT : zlib.constants.BROTLI_MODE_GENERIC,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
      },
    }),
  );
}
