import { Transform, type TransformCallback } from 'node:stream';

/**
 * The last stage of a message on its way into SMTP's DATA: passes every byte through, but ends
 * — and so lets the final "." go, the signal that makes the server accept the message — only
 * after `commit` resolved; if `commit` rejects, the stream fails and the "." is never sent.
 *
 * Its readable side holds nothing (high-water mark 0), so it takes a chunk only once the one
 * before was read, and nothing reads it before the server answered DATA (nodemailer pipes the
 * message in only then). So `commit` runs after MAIL FROM, RCPT TO and DATA were accepted and
 * the whole message was handed to the connection, and before the ".".
 */
export class CommitGate extends Transform {
  constructor(private readonly commit: () => Promise<void>) {
    super({ readableHighWaterMark: 0 });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.commit().then(
      () => done(),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  }
}
