import type * as net from 'node:net';

/** Takes what one read brought; the chunk is valid only during the call. */
export interface ChunkReader {
  read(chunk: Buffer): void;
}

/**
 * Socket options that make every read of a connection land in a buffer
 * reused for the next read (net.connect's `onread`), instead of a fresh
 * 64 KiB buffer per read that the garbage collector must find: a 1 MiB
 * response was 16 such buffers. Pass `onread` to net.connect and bind the
 * FastCgiConnection made from that socket.
 *
 * One buffer serves every connection of the process: Node runs each read's
 * callback to its end before the next read into the buffer, on whichever
 * socket. The price is a rule every reader keeps: a
 * chunk (and every record content cut from it) is valid only during the
 * call that delivers it. Whoever keeps bytes past that copies them
 * (ExchangeListener).
 */
export interface ReusedReads {
  readonly onread: net.OnReadOpts;
  bind(reader: ChunkReader): void;
}

/**
 * What one read takes at most: what Node would allocate for a read of its
 * own. Larger reads did not pay: over Unix sockets 64 KiB measured 2-5 %
 * faster than 1 MiB for 1 MiB responses; to php-fpm over kept TCP
 * connections 1 MiB reads helped 1 MiB responses (460-590 → 830-1,200
 * requests/s) and hurt 100 KB ones (1,340-2,600 → 870-1,170): both stall on
 * delayed acknowledgements, which only a fresh connection or a quick-ACK
 * route removes (README, "Which connections are kept").
 */
export const READ_BUFFER_BYTES = 64 * 1024;

let shared: Buffer | null = null;

/** Reads into the process's one read buffer, for a socket about to be connected with `onread`. */
export function reusedReads(): ReusedReads {
  let target: ChunkReader | null = null;
  return {
    onread: {
      buffer: (shared ??= Buffer.allocUnsafe(READ_BUFFER_BYTES)),
      callback: (length: number, buffer: Uint8Array): boolean => {
        // No byte can come before 'connect' wrapped the socket: we speak first.
        target?.read(Buffer.from(buffer.buffer, buffer.byteOffset, length));
        return true;
      },
    },
    bind: (reader) => {
      target = reader;
    },
  };
}
