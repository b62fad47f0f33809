/**
 * `muster keyring`: lists, installs, makes primary and removes gossip encryption keys across
 * the cluster through /v1/operator/keyring (Consul's command/keyring, output byte for byte).
 */
import type { Client, KeyringResponse } from '../../api/index.js';
import { localOnlyListText, relayFactorMax, relayFactorRangeText } from '../../gossip/keyring.js';
import { complain, say, parseFlags, type Command, type Ui } from '../command.js';
import { commandUsage, FlagSet } from '../flags.js';
import { HttpFlags } from '../http-flags.js';
import { errorMessage, withClient } from './shared.js';

const help = `
Usage: muster keyring [options]

  Manages encryption keys used for gossip messages. Gossip encryption is
  optional. When enabled, this command may be used to examine active encryption
  keys in the cluster, add new keys, and remove old ones. When combined, this
  functionality provides the ability to perform key rotation cluster-wide,
  without disrupting the cluster.

  All operations performed by this command can only be run against server nodes,
  and affect both the LAN and WAN keyrings in lock-step.

  All variations of the keyring command return 0 if all nodes reply and there
  are no errors. If any node fails to reply or reports failure, the exit code
  will be 1.
`;

export class KeyringCommand implements Command {
  readonly name = 'keyring';
  readonly synopsis = 'Manages gossip layer encryption keys';
  private readonly fs = new FlagSet();
  private readonly install = this.fs.string('install', '', 'Install a new encryption key. This will broadcast the new key to all members in the cluster.');
  private readonly use = this.fs.string(
    'use',
    '',
    'Change the primary encryption key, which is used to encrypt messages. The key must already be installed before this operation can succeed.',
  );
  private readonly remove = this.fs.string(
    'remove',
    '',
    'Remove the given key from the cluster. This operation may only be performed on keys which are not currently the primary key.',
  );
  private readonly list = this.fs.bool('list', false, 'List all keys currently in use within the cluster.');
  private readonly listPrimary = this.fs.bool('list-primary', false, 'List all primary keys currently in use within the cluster.');
  private readonly relay = this.fs.int(
    'relay-factor',
    0,
    'Setting this to a non-zero value will cause nodes to relay their response to the operation through this many randomly-chosen other nodes in the cluster. The maximum allowed value is 5.',
  );
  private readonly localOnly = this.fs.bool(
    'local-only',
    false,
    'Setting this to true will force the keyring query to only hit local servers (no WAN traffic). This flag can only be set for list queries.',
  );
  private readonly http = new HttpFlags(this.fs);

  help(): string {
    return commandUsage(help, this.fs);
  }

  async run(argv: string[], ui: Ui): Promise<number> {
    const args = parseFlags(this.fs, argv, ui, this);
    if (typeof args === 'number') return args;
    const actions = [this.list.value, this.listPrimary.value, this.install.value !== '', this.use.value !== '', this.remove.value !== ''].filter(Boolean).length;
    if (actions === 0) {
      complain(ui, this.help());
      return 1;
    }
    if (actions > 1) {
      complain(ui, 'Only a single action is allowed');
      return 1;
    }
    const relayFactor = this.relay.value;
    if (relayFactor < 0 || relayFactor > relayFactorMax) {
      complain(ui, `Error parsing relay factor: ${relayFactorRangeText}`);
      return 1;
    }
    if (this.localOnly.value && !this.list.value) {
      complain(ui, `Error validating local-only: ${localOnlyListText}`);
      return 1;
    }
    return withClient(this.http, ui, (client) => this.act(client, ui, relayFactor));
  }

  private async act(client: Client, ui: Ui, relayFactor: number): Promise<number> {
    if (this.list.value || this.listPrimary.value) {
      const primary = this.listPrimary.value;
      say(ui, primary ? '==> Gathering installed primary encryption keys...' : '==> Gathering installed encryption keys...');
      let responses: KeyringResponse[];
      try {
        responses = await client.operator.keyringList({ relayFactor, localOnly: this.localOnly.value });
      } catch (e) {
        complain(ui, `error: ${errorMessage(e)}`);
        return 1;
      }
      for (const r of responses) say(ui, formatResponse(r, primary ? r.primaryKeys : r.keys));
      return 0;
    }
    const w = { relayFactor };
    const [banner, op] =
      this.install.value !== ''
        ? ['Installing new gossip encryption key...', () => client.operator.keyringInstall(this.install.value, w)]
        : this.use.value !== ''
          ? ['Changing primary gossip encryption key...', () => client.operator.keyringUse(this.use.value, w)]
          : ['Removing gossip encryption key...', () => client.operator.keyringRemove(this.remove.value, w)];
    say(ui, `==> ${banner}`);
    try {
      await op();
    } catch (e) {
      complain(ui, `error: ${errorMessage(e)}`);
      return 1;
    }
    return 0;
  }
}

/**
 * One pool as Consul prints it: a blank line, "WAN:" or "<dc> (LAN):" (with " [segment]"),
 * the nodes' messages, then each key with "[holders/members]". Go prints maps in random order;
 * we print messages by node name and keys in the order the agent sent them (sorted).
 */
export function formatResponse(r: KeyringResponse, keys: Record<string, number>): string {
  let out = '\n';
  out += r.wan ? 'WAN' : `${r.datacenter} (LAN)`;
  out += r.segment !== '' ? ` [${r.segment}]:\n` : ':\n';
  for (const node of Object.keys(r.messages).sort()) out += `  ===> ${node}: ${r.messages[node]}\n`;
  for (const [key, n] of Object.entries(keys)) out += `  ${key} [${n}/${r.numNodes}]\n`;
  return out.replace(/\n+$/, '');
}
