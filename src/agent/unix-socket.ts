/**
 * The HTTP API on a unix socket (`addresses.http = "unix:///path"`), as Consul's listenSocket
 * and setFilePermissions do it: a file already at the path is replaced (with a warning), and the
 * new socket gets `unix_sockets.user` (a uid or a name from /etc/passwd), `group` (a gid) and
 * `mode` (octal). Errors carry Consul's words.
 */
import { chmod, chown, readFile, rm, stat } from 'node:fs/promises';
import type { Logger } from '../lib/index.js';

export interface UnixSocketOwner {
  user: string;
  group: string;
  mode: string;
}

/** Clears the path for a new socket: whatever is there goes, with Consul's warning. */
export async function clearSocketPath(path: string, logger: Logger): Promise<void> {
  const present = await stat(path).then(
    () => true,
    () => false,
  );
  if (present) logger.warn('Replacing socket', { path });
  try {
    await rm(path, { force: true });
  } catch (err) {
    throw new Error(`error removing socket file: ${(err as Error).message}`);
  }
}

/** Consul's setFilePermissions on the new socket; the error is "Failed setting up socket: ...". */
export async function setSocketPermissions(path: string, owner: UnixSocketOwner): Promise<void> {
  try {
    let uid = process.getuid?.() ?? 0;
    let gid = process.getgid?.() ?? 0;
    if (owner.user !== '') uid = /^\d+$/.test(owner.user) ? Number(owner.user) : await lookupUid(owner.user);
    if (owner.group !== '') {
      if (!/^\d+$/.test(owner.group)) throw new Error(`invalid group specified: ${owner.group}`);
      gid = Number(owner.group);
    }
    try {
      await chown(path, uid, gid);
    } catch (err) {
      throw new Error(`failed setting ownership to ${uid}:${gid} on "${path}": ${(err as Error).message}`);
    }
    if (owner.mode !== '') {
      // Consul prints the mode it failed to parse as 0 (a shadowed variable); we print what was given.
      if (!/^[0-7]+$/.test(owner.mode) || Number.parseInt(owner.mode, 8) > 0o7777) throw new Error(`invalid mode specified: ${owner.mode}`);
      const mode = Number.parseInt(owner.mode, 8);
      try {
        await chmod(path, mode);
      } catch (err) {
        throw new Error(`failed setting permissions to ${mode} on "${path}": ${(err as Error).message}`);
      }
    }
  } catch (err) {
    throw new Error(`Failed setting up socket: ${(err as Error).message}`);
  }
}

/** A user name's uid from /etc/passwd (what Go's os/user does without cgo). */
async function lookupUid(name: string): Promise<number> {
  const passwd = await readFile('/etc/passwd', 'utf8').catch(() => '');
  for (const line of passwd.split('\n')) {
    const [user, , uid] = line.split(':');
    if (user === name && uid !== undefined && /^\d+$/.test(uid)) return Number(uid);
  }
  throw new Error(`failed to look up user ${name}: user: unknown user ${name}`);
}
