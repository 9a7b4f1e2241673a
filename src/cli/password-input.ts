/** Reading a password for the CLI: a hidden prompt on a terminal, else stdin. */
import { UsageError } from './usage.js';

/** Passwords longer than this are not read at all (the hashing limit is far below it). */
const MAX_STDIN_BYTES = 1024 * 1024;

/** The password: a hidden prompt on a terminal, else stdin without its final line break. */
export async function readPassword(confirm: boolean): Promise<string> {
  if (process.stdin.isTTY) {
    const first = await prompt('Password: ');
    if (confirm && (await prompt('Repeat password: ')) !== first) throw new UsageError('the passwords differ');
    return first;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_STDIN_BYTES) throw new UsageError('the password on stdin is too long');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Read a line from the terminal without echoing it. */
function prompt(question: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    let input = '';
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(input);
    };
    const onData = (data: string) => {
      for (const char of data) {
        if (char === '\r' || char === '\n' || char === '\u0004') return finish();
        if (char === '\u0003') return finish(new UsageError('interrupted'));
        if (char === '\u007f' || char === '\b') input = input.slice(0, -1);
        else input += char;
      }
    };
    stdin.on('data', onData);
  });
}
