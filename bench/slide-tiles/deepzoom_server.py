"""Debian python3-openslide's Deep Zoom as a tile server, for bench/slide-tiles.ts.

usage: python3 deepzoom_server.py <slide.tif>; prints its port. GET /tiles/<level>/<col>/<row>.jpg
with level 0 = full resolution (mapped to Deep Zoom's numbering), each tile rendered by
DeepZoomGenerator.get_tile and encoded as JPEG quality 85.
"""
import io
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import openslide
from openslide.deepzoom import DeepZoomGenerator

slide = openslide.OpenSlide(sys.argv[1])
generator = DeepZoomGenerator(slide, tile_size=256, overlap=0, limit_bounds=False)
top = generator.level_count - 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        parts = self.path.strip('/').removesuffix('.jpg').split('/')
        try:
            level, col, row = (int(p) for p in parts[1:4])
            buffer = io.BytesIO()
            generator.get_tile(top - level, (col, row)).save(buffer, 'JPEG', quality=85)
            body = buffer.getvalue()
            self.send_response(200)
            self.send_header('Content-Type', 'image/jpeg')
        except Exception:
            body = b''
            self.send_response(404)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


# socketserver's listen backlog is 5: 64 clients connecting at once would be reset.
ThreadingHTTPServer.request_queue_size = 128
server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
