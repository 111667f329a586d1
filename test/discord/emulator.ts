/**
 * A small emulator of the Discord HTTP API and gateway, listening on 127.0.0.1, for tests that
 * drive a REAL discord.js `Client` (no mocks of discord.js).
 *
 * One port serves both REST (`/api/v10/...`) and the gateway websocket (any upgrade request).
 *
 * ```ts
 * const emulator = new DiscordEmulator();
 * await emulator.start();
 * const client = new Client({
 *   intents: [GatewayIntentBits.Guilds],
 *   rest: { api: emulator.apiBase, globalRequestsPerSecond: 10_000 },
 * });
 * await client.login(emulator.token);
 * const interaction = await emulator.sendChatInput({ commandName: 'ask', options: { question: 'why?' } });
 * const edit = await emulator.waitForOriginalEdit(interaction.id);
 * ```
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ButtonStyle,
  ChannelType,
  ComponentType,
  GatewayDispatchEvents,
  GatewayOpcodes,
  InteractionContextType,
  InteractionResponseType,
  InteractionType,
  Locale,
  MessageFlags,
  MessageType,
  PermissionFlagsBits,
  type APIApplicationCommandAutocompleteInteraction,
  type APIApplicationCommandInteractionDataOption,
  type APIAttachment,
  type APIChatInputApplicationCommandInteraction,
  type APIMessageApplicationCommandInteraction,
  type APIModalSubmitInteraction,
  type APIInteractionDataResolved,
  type APIInteractionGuildMember,
  type APIMessage,
  type APIMessageComponentButtonInteraction,
  type APIUser,
  type GuildMemberFlags,
} from 'discord.js';

// ---------------------------------------------------------------------------------------------
// Public types
// ---------------------------------------------------------------------------------------------

/** Any interaction payload this emulator can build and dispatch. */
export type EmulatedInteraction =
  | APIChatInputApplicationCommandInteraction
  | APIMessageComponentButtonInteraction
  | APIApplicationCommandAutocompleteInteraction
  | APIMessageApplicationCommandInteraction
  | APIModalSubmitInteraction;

/** A file part of a multipart (attachment) request. */
export interface RecordedFile {
  /** Form field name, e.g. `files[0]`. */
  field: string;
  filename: string;
  contentType: string | undefined;
  data: Buffer;
}

/** One REST request as received by the emulator. */
export interface RecordedRequest {
  /** 0-based position in {@link DiscordEmulator.requests}. */
  index: number;
  method: string;
  /** Full decoded path without query, e.g. `/api/v10/webhooks/1/tok/messages/@original`. */
  path: string;
  /** Decoded path after `/api/vN`, e.g. `/webhooks/1/tok/messages/@original`. */
  route: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** Parsed JSON body (for multipart requests: the parsed `payload_json` field); `undefined` if empty. */
  body: unknown;
  files: RecordedFile[];
  /** `performance.now()` when the request was received. */
  at: number;
  /** `Date.now()` when the request was received. */
  receivedAt: number;
  /** HTTP status the emulator answered with (set before waiters are notified); none when it reset the connection. */
  status?: number;
  /** JSON the emulator answered with, if any. */
  response?: unknown;
}

/** One gateway dispatch (op 0) recorded by the emulator. */
export interface DispatchRecord {
  t: string;
  s: number;
  d: unknown;
  sessionId: string;
  /** `performance.now()` when {@link DiscordEmulator.dispatch} was asked to send it. */
  queuedAt: number;
  /** `performance.now()` when it was first written to a socket (undefined while disconnected). */
  sentAt: number | undefined;
  /** Number of times it was replayed by a RESUME. */
  replays: number;
}

/** Kinds of gateway activity recorded in {@link DiscordEmulator.gatewayEvents}. */
export type GatewayEventKind = 'connect' | 'identify' | 'ready' | 'resume' | 'resumed' | 'invalid_session' | 'heartbeat' | 'drop' | 'close' | 'op';

/** One gateway event. */
export interface GatewayEvent {
  index: number;
  kind: GatewayEventKind;
  /** `performance.now()`. */
  at: number;
  sessionId?: string;
  /** Close code (`close`, `drop`), opcode (`op`), or sequence (`resume`, `heartbeat`). */
  value?: number | null;
  /** Connection URL for `connect`, drop mode for `drop`. */
  detail?: string;
}

/** Latency facts for one dispatched interaction (all times are `performance.now()` values). */
export interface InteractionTiming {
  interactionId: string;
  /** When INTERACTION_CREATE was first written to the gateway socket. */
  dispatchedAt: number | undefined;
  /** When the first `POST /interactions/:id/:token/callback` arrived (whatever its outcome). */
  firstCallbackAt: number | undefined;
  /** `type` of the first callback body (4 reply, 5 defer, 6 deferUpdate, 7 update, ...). */
  firstCallbackType: number | undefined;
  /** When the first `PATCH /webhooks/:app/:token/messages/@original` arrived. */
  originalEditAt: number | undefined;
  /** `firstCallbackAt - dispatchedAt`. */
  callbackLatencyMs: number | undefined;
  /** `originalEditAt - dispatchedAt`. */
  originalEditLatencyMs: number | undefined;
}

/** A REST fault: requests matching `match` get `status`/`body` instead of the normal answer. */
export interface RestFault {
  match: (request: RecordedRequest) => boolean;
  /** HTTP status to answer with; omit to only delay and then answer normally. */
  status?: number;
  /** JSON body to answer with (default `{ message, code: 0 }`). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long before answering. */
  delayMs?: number;
  /** How many matching requests this fault applies to (default 1; `Infinity` for all). */
  times?: number;
  /**
   * Reset the TCP connection (RST) instead of answering, as a flaky network does:
   * `'before-handling'` drops the request unprocessed; `'after-handling'` processes it (an
   * interaction callback acknowledges the interaction) and then loses the answer. `status` and
   * `body` are ignored.
   */
  reset?: 'before-handling' | 'after-handling';
}

/** Whether `request` is an interaction callback (of `interactionId` only, if given). */
function isCallbackOf(request: RecordedRequest, interactionId: string | undefined): boolean {
  return (
    request.method === 'POST' &&
    request.route.startsWith(interactionId === undefined ? '/interactions/' : `/interactions/${interactionId}/`) &&
    request.route.endsWith('/callback')
  );
}

/** Common options for the interaction payload builders. */
export interface InteractionOptions {
  /** Interaction id (default: fresh snowflake). */
  id?: string;
  /** Interaction token (default: random). */
  token?: string;
  /** Default: the emulator's `guildId`. Ignored when `dm` is true. */
  guildId?: string;
  /** Default: the emulator's `channelId`. */
  channelId?: string;
  channelName?: string;
  /** The channel's type in a server (default a text channel; a thread type needs `parentId`). */
  channelType?: ChannelType.GuildText | ChannelType.PublicThread | ChannelType.PrivateThread | ChannelType.AnnouncementThread;
  /** The text channel a thread is in. */
  parentId?: string;
  /** Send as a DM interaction (`user` instead of `member`, channel type 1, no guild). */
  dm?: boolean;
  /** The invoking user (merged over a default test user). */
  user?: Partial<APIUser>;
  /** Member permissions (string/bigint bitfield); default: a typical @everyone set. */
  permissions?: string | bigint;
  /** Member role ids (default none). */
  roles?: string[];
  nick?: string | null;
  /** Bot permissions in the channel (default: typical bot set). */
  appPermissions?: string | bigint;
  /** User locale (default `en-US`). */
  locale?: `${Locale}`;
}

/** A chat input option value: string → STRING, boolean → BOOLEAN, integer → INTEGER, other number → NUMBER. */
export type OptionValue = string | number | boolean | { type: ApplicationCommandOptionType; value: string | number | boolean };

/** Options for {@link DiscordEmulator.chatInputInteraction}. */
export interface ChatInputOptions extends InteractionOptions {
  commandName: string;
  commandId?: string;
  /** Leaf options by name, or raw API options. */
  options?: Record<string, OptionValue> | APIApplicationCommandInteractionDataOption[];
  /** Wrap the leaf options in this subcommand. */
  subcommand?: string;
  /** Wrap the subcommand in this subcommand group. */
  subcommandGroup?: string;
  resolved?: APIInteractionDataResolved;
}

/** Options for {@link DiscordEmulator.buttonInteraction}. */
export interface ButtonOptions extends InteractionOptions {
  customId: string;
  /** Fields merged over the default message (authored by the bot) that carries the button. */
  message?: Partial<APIMessage>;
}

/** Options for {@link DiscordEmulator.autocompleteInteraction}: a chat input being typed. */
export interface AutocompleteOptions extends ChatInputOptions {
  /** The option being typed (its value is what was typed so far). */
  focused: string;
}

/** Options for {@link DiscordEmulator.messageCommandInteraction}. */
export interface MessageCommandOptions extends InteractionOptions {
  commandName: string;
  /** Fields merged over a default message (by another member) that the command runs on. */
  target?: Partial<APIMessage>;
}

/** Options for {@link DiscordEmulator.modalSubmitInteraction}. */
export interface ModalSubmitOptions extends InteractionOptions {
  customId: string;
  /** Text input values by their custom id. */
  fields: Record<string, string>;
  /** The message whose button opened the modal, if one did. */
  message?: APIMessage;
}

/** Constructor options. */
export interface DiscordEmulatorOptions {
  /** Default 0 (random free port). */
  port?: number;
  /** Gateway HELLO heartbeat interval (default 41250). */
  heartbeatIntervalMs?: number;
  /** Bot token; IDENTIFY/RESUME and `Authorization: Bot ...` headers are checked against it. Default `test-token`. */
  token?: string;
  applicationId?: string;
  botUser?: Partial<APIUser>;
  /** Default guild for built interactions. */
  guildId?: string;
  /** Default channel for built interactions. */
  channelId?: string;
  /**
   * Announce the default guild as unavailable in READY and then send a GUILD_CREATE for it (as real
   * Discord does with the Guilds intent), so discord.js caches the guild, its text channel and roles and
   * `interaction.member` becomes a `GuildMember`. Default false: READY has `guilds: []` and
   * `interaction.member` stays the raw API member.
   */
  sendGuildCreate?: boolean;
  /** Extra roles for the GUILD_CREATE payload (the @everyone role is always there). */
  guildRoles?: { id: string; name?: string; permissions?: string | bigint; position?: number }[];
  /**
   * If set, every IDENTIFY is answered by closing the gateway with this code instead of READY, as
   * Discord does with a fatal close code: 4004 for a token it no longer accepts (REST may still
   * have accepted it), 4010–4014 for a bad shard, API version or intents (4014: a privileged intent
   * the application has not enabled).
   */
  identifyCloseCode?: number;
  /** If set, interaction callbacks arriving later than this after the dispatch get 404/10062 (Discord: 3000). */
  callbackDeadlineMs?: number;
  /** Log traffic: `true` for console.log, or a function. */
  log?: boolean | ((line: string) => void);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const DISCORD_EPOCH = 1_420_070_400_000n;
let snowflakeIncrement = 0n;

/** A fresh, time-based 18–19 digit Discord snowflake. */
export function snowflake(atMs: number = Date.now()): string {
  snowflakeIncrement = (snowflakeIncrement + 1n) & 0xfffn;
  return (((BigInt(atMs) - DISCORD_EPOCH) << 22n) | (1n << 17n) | snowflakeIncrement).toString();
}

/** Typical permissions of an ordinary member (the default for built interactions). */
export const DEFAULT_MEMBER_PERMISSIONS = (
  PermissionFlagsBits.ViewChannel |
  PermissionFlagsBits.SendMessages |
  PermissionFlagsBits.ReadMessageHistory |
  PermissionFlagsBits.EmbedLinks |
  PermissionFlagsBits.AttachFiles |
  PermissionFlagsBits.AddReactions |
  PermissionFlagsBits.UseApplicationCommands |
  PermissionFlagsBits.UseExternalEmojis
).toString();

const DEFAULT_APP_PERMISSIONS = (BigInt(DEFAULT_MEMBER_PERMISSIONS) | PermissionFlagsBits.SendMessagesInThreads).toString();

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function randomToken(): string {
  return `itok_${randomBytes(24).toString('base64url')}`;
}

interface Watcher<T> {
  predicate: (item: T) => boolean;
  resolve: (item: T) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** An append-only list whose future items can be awaited. */
class Watchable<T> {
  readonly items: T[] = [];
  private watchers = new Set<Watcher<T>>();

  push(item: T): void {
    this.items.push(item);
    for (const watcher of [...this.watchers]) {
      if (watcher.predicate(item)) {
        clearTimeout(watcher.timer);
        this.watchers.delete(watcher);
        watcher.resolve(item);
      }
    }
  }

  wait(predicate: (item: T) => boolean, timeoutMs: number, fromIndex: number, label: string): Promise<T> {
    const found = this.items.slice(fromIndex).find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise<T>((resolve, reject) => {
      const watcher: Watcher<T> = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.watchers.delete(watcher);
          reject(new Error(`Timed out after ${timeoutMs}ms waiting for ${label}`));
        }, timeoutMs),
      };
      this.watchers.add(watcher);
    });
  }

  rejectAll(error: Error): void {
    for (const watcher of this.watchers) {
      clearTimeout(watcher.timer);
      watcher.reject(error);
    }
    this.watchers.clear();
  }
}

interface Session {
  id: string;
  seq: number;
  shard: [number, number];
  ws: WebSocket | null;
  log: DispatchRecord[];
}

interface InteractionState {
  payload: EmulatedInteraction;
  acknowledged: boolean;
  original: APIMessage | undefined;
  followUps: Map<string, APIMessage>;
  dispatch: DispatchRecord | undefined;
  firstCallback: RecordedRequest | undefined;
  originalEdit: RecordedRequest | undefined;
}

interface GatewayPayload {
  op: number;
  d?: unknown;
  s?: number | null;
  t?: string | null;
}

/** Fields of a message create/edit body that are copied onto stored messages. */
const MESSAGE_BODY_FIELDS = ['content', 'embeds', 'components', 'flags', 'tts', 'poll'] as const;

function parseMultipart(raw: Buffer, boundary: string): { json: unknown; files: RecordedFile[] } {
  const delimiter = Buffer.from(`--${boundary}`);
  const files: RecordedFile[] = [];
  let json: unknown;
  let pos = raw.indexOf(delimiter);
  while (pos !== -1) {
    let start = pos + delimiter.length;
    if (raw.subarray(start, start + 2).toString() === '--') break;
    start += 2; // CRLF after the delimiter
    const next = raw.indexOf(delimiter, start);
    if (next === -1) break;
    const part = raw.subarray(start, next - 2); // drop the CRLF before the next delimiter
    const headerEnd = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, headerEnd).toString('utf8');
    const content = part.subarray(headerEnd + 4);
    const field = /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
    const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
    if (filename !== undefined) {
      files.push({ field, filename, contentType: /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1], data: Buffer.from(content) });
    } else if (field === 'payload_json') {
      json = JSON.parse(content.toString('utf8'));
    }
    pos = next;
  }
  return { json, files };
}

// ---------------------------------------------------------------------------------------------
// The emulator
// ---------------------------------------------------------------------------------------------

/** Emulates Discord's REST API and gateway for one bot. See the file header for usage. */
export class DiscordEmulator {
  /** The bot token the client must log in with. */
  readonly token: string;
  readonly applicationId: string;
  readonly botUser: APIUser;
  /** Default guild/channel of built interactions. */
  readonly guildId: string;
  readonly channelId: string;
  /** Default invoking user of built interactions. */
  readonly testUser: APIUser;
  /** When false, gateway heartbeats are not ACKed (discord.js then treats the connection as zombie and resumes). */
  ackHeartbeats = true;

  private readonly options: DiscordEmulatorOptions;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private port = 0;
  private readonly requestLog = new Watchable<RecordedRequest>();
  private readonly gatewayLog = new Watchable<GatewayEvent>();
  private readonly sessions = new Map<string, Session>();
  private activeSession: Session | undefined;
  private readonly interactions = new Map<string, InteractionState>();
  private readonly interactionsByToken = new Map<string, InteractionState>();
  private faults: (RestFault & { remaining: number })[] = [];
  private readonly commands = new Map<string, Json[]>();
  private readonly guildOwnerId = snowflake();
  /** Files served at {@link cdnBase}, as Discord's CDN serves attachments, by path. */
  private readonly cdnFiles = new Map<string, { data: Buffer; contentType: string }>();

  constructor(options: DiscordEmulatorOptions = {}) {
    this.options = options;
    this.token = options.token ?? 'test-token';
    this.applicationId = options.applicationId ?? snowflake();
    this.botUser = {
      id: this.applicationId,
      username: 'verbatim-test-bot',
      global_name: null,
      discriminator: '0',
      avatar: null,
      bot: true,
      ...options.botUser,
    };
    this.guildId = options.guildId ?? snowflake();
    this.channelId = options.channelId ?? snowflake();
    this.testUser = { id: snowflake(), username: 'tester', global_name: 'Tester', discriminator: '0', avatar: null };
    this.server = createServer((req, res) => void this.onHttpRequest(req, res));
    this.server.keepAliveTimeout = 1_000;
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (ws, req) => this.onGatewayConnection(ws, req));
  }

  // ----- lifecycle ---------------------------------------------------------------------------

  /** Starts listening on 127.0.0.1 (port 0 = random free port); resolves once listening. */
  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port ?? 0, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  /** Terminates every gateway socket and HTTP connection, closes the server, and rejects pending waits. */
  async stop(): Promise<void> {
    const stopped = new Error('DiscordEmulator stopped');
    this.requestLog.rejectAll(stopped);
    this.gatewayLog.rejectAll(stopped);
    for (const ws of this.wss.clients) ws.terminate();
    for (const session of this.sessions.values()) session.ws = null;
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `http://127.0.0.1:PORT/api` — pass as `rest.api` (discord.js appends `/v10`). */
  get apiBase(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  /** `http://127.0.0.1:PORT/cdn` — where {@link uploadAttachment} files are served, without authorization. */
  get cdnBase(): string {
    return `http://127.0.0.1:${this.port}/cdn`;
  }

  /**
   * Stores a file on the emulated CDN and returns its attachment object, as Discord puts it in
   * an interaction's `resolved.attachments`. `size` defaults to the data's length (set it to
   * claim another size, as a client could).
   */
  uploadAttachment(filename: string, data: Buffer | string, options: { contentType?: string; size?: number } = {}): APIAttachment {
    const id = snowflake();
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const contentType = options.contentType ?? 'text/plain; charset=utf-8';
    const path = `/attachments/${id}/${encodeURIComponent(filename)}`;
    this.cdnFiles.set(path, { data: bytes, contentType });
    const url = `${this.cdnBase}${path}`;
    return { id, filename, size: options.size ?? bytes.length, content_type: contentType, url, proxy_url: url };
  }

  /** `ws://127.0.0.1:PORT` — the gateway URL returned by `/gateway/bot`. */
  get gatewayUrl(): string {
    return `ws://127.0.0.1:${this.port}`;
  }

  // ----- records -----------------------------------------------------------------------------

  /** Every REST request received so far, oldest first. */
  get requests(): readonly RecordedRequest[] {
    return this.requestLog.items;
  }

  /** Every gateway event so far, oldest first. */
  get gatewayEvents(): readonly GatewayEvent[] {
    return this.gatewayLog.items;
  }

  /** Every dispatch (op 0) of every session, in send order. */
  get dispatches(): DispatchRecord[] {
    return [...this.sessions.values()].flatMap((s) => s.log).sort((a, b) => a.queuedAt - b.queuedAt);
  }

  /** Number of IDENTIFY (op 2) payloads received. */
  get identifyCount(): number {
    return this.gatewayLog.items.filter((e) => e.kind === 'identify').length;
  }

  /** Number of RESUME (op 6) payloads received. */
  get resumeCount(): number {
    return this.gatewayLog.items.filter((e) => e.kind === 'resume').length;
  }

  /** Whether a session is ready and currently has an open socket. */
  get connected(): boolean {
    return this.activeSession?.ws?.readyState === WebSocket.OPEN;
  }

  /** Commands registered with PUT/POST `/applications/:app/commands` (or `/guilds/:guild/commands` when `guildId` is given). */
  registeredCommands(guildId?: string): Json[] {
    return this.commands.get(guildId ?? 'global') ?? [];
  }

  /**
   * Resolves with the first request (already received, or future) matching `predicate`.
   * Resolves only after the emulator has answered it, so `status`/`response` are set.
   * @param fromIndex ignore requests with a smaller {@link RecordedRequest.index}.
   */
  waitForRequest(predicate: (request: RecordedRequest) => boolean, timeoutMs = 5_000, fromIndex = 0): Promise<RecordedRequest> {
    return this.requestLog.wait(predicate, timeoutMs, fromIndex, `a REST request matching ${predicate.toString()}`);
  }

  /** Resolves with the first interaction callback (`POST /interactions/:id/:token/callback`) for `interactionId`. */
  waitForCallback(interactionId: string, timeoutMs = 5_000): Promise<RecordedRequest> {
    return this.waitForRequest((r) => r.method === 'POST' && r.route.startsWith(`/interactions/${interactionId}/`) && r.route.endsWith('/callback'), timeoutMs);
  }

  /** Resolves with the first `PATCH .../messages/@original` for the interaction with this id. */
  waitForOriginalEdit(interactionId: string, timeoutMs = 5_000): Promise<RecordedRequest> {
    const token = this.interactions.get(interactionId)?.payload.token ?? '\0';
    return this.waitForRequest((r) => r.method === 'PATCH' && r.route.endsWith(`/${token}/messages/@original`), timeoutMs);
  }

  /** Resolves with the first follow-up (`POST /webhooks/:app/:token`) for the interaction with this id. */
  waitForFollowUp(interactionId: string, timeoutMs = 5_000): Promise<RecordedRequest> {
    const token = this.interactions.get(interactionId)?.payload.token ?? '\0';
    return this.waitForRequest((r) => r.method === 'POST' && r.route === `/webhooks/${this.applicationId}/${token}`, timeoutMs);
  }

  /** Resolves with the first gateway event (already recorded or future) matching `predicate`. */
  waitForGatewayEvent(predicate: (event: GatewayEvent) => boolean, timeoutMs = 5_000, fromIndex = 0): Promise<GatewayEvent> {
    return this.gatewayLog.wait(predicate, timeoutMs, fromIndex, `a gateway event matching ${predicate.toString()}`);
  }

  /** Resolves once some session has been sent READY (past or future). */
  waitForReady(timeoutMs = 5_000): Promise<GatewayEvent> {
    return this.waitForGatewayEvent((e) => e.kind === 'ready', timeoutMs);
  }

  /** Resolves at the next RESUMED sent after this call. */
  waitForResumed(timeoutMs = 5_000): Promise<GatewayEvent> {
    return this.waitForGatewayEvent((e) => e.kind === 'resumed', timeoutMs, this.gatewayLog.items.length);
  }

  /** The stored original response message of an interaction (after reply/defer/edit), if any. */
  originalMessage(interactionId: string): APIMessage | undefined {
    return this.interactions.get(interactionId)?.original;
  }

  /** Follow-up messages of an interaction, in creation order. */
  followUps(interactionId: string): APIMessage[] {
    return [...(this.interactions.get(interactionId)?.followUps.values() ?? [])];
  }

  /** Callback requests received for an interaction (including rejected ones). */
  callbacks(interactionId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === 'POST' && r.route.startsWith(`/interactions/${interactionId}/`));
  }

  /** Dispatch → first callback / first `@original` edit latencies of an interaction. */
  interactionTiming(interactionId: string): InteractionTiming {
    const state = this.interactions.get(interactionId);
    const dispatchedAt = state?.dispatch?.sentAt;
    const firstCallbackAt = state?.firstCallback?.at;
    const originalEditAt = state?.originalEdit?.at;
    const body = state?.firstCallback?.body;
    return {
      interactionId,
      dispatchedAt,
      firstCallbackAt,
      firstCallbackType: isRecord(body) && typeof body.type === 'number' ? body.type : undefined,
      originalEditAt,
      callbackLatencyMs: dispatchedAt !== undefined && firstCallbackAt !== undefined ? firstCallbackAt - dispatchedAt : undefined,
      originalEditLatencyMs: dispatchedAt !== undefined && originalEditAt !== undefined ? originalEditAt - dispatchedAt : undefined,
    };
  }

  // ----- fault injection ---------------------------------------------------------------------

  /** Adds a REST fault (first matching fault wins). Returns a function that removes it. */
  injectRestFault(fault: RestFault): () => void {
    const entry = { ...fault, remaining: fault.times ?? 1 };
    this.faults.push(entry);
    return () => {
      this.faults = this.faults.filter((f) => f !== entry);
    };
  }

  /**
   * Makes the next `count` interaction callbacks (of `interactionId` only, if given) answer
   * HTTP 404 `{ message: "Unknown interaction", code: 10062 }` (or the given status/code/message).
   */
  failCallbacks(options: { interactionId?: string; count?: number; status?: number; code?: number; message?: string } = {}): () => void {
    const { interactionId, count = 1, status = 404, code = 10062, message = 'Unknown interaction' } = options;
    return this.injectRestFault({
      match: (r) => isCallbackOf(r, interactionId),
      status,
      body: { message, code },
      times: count,
    });
  }

  /**
   * Makes the next `count` interaction callbacks (of `interactionId` only, if given) end in a
   * connection reset: unprocessed (default), or `'after-handling'`, processed with the answer lost.
   */
  resetCallbacks(options: { interactionId?: string; count?: number; reset?: RestFault['reset'] } = {}): () => void {
    const { interactionId, count = 1, reset = 'before-handling' } = options;
    return this.injectRestFault({ match: (r) => isCallbackOf(r, interactionId), reset, times: count });
  }

  /**
   * Drops the gateway connection of the active session: `'close'` sends a close frame with `code`
   * (default 4000, discord.js resumes), `'terminate'` destroys the TCP socket (1006, discord.js resumes).
   * Dispatches sent while disconnected are replayed on RESUME.
   */
  dropGateway(mode: 'close' | 'terminate' = 'close', code = 4000): void {
    const session = this.activeSession;
    const ws = session?.ws;
    if (!session || !ws) throw new Error('dropGateway: no connected session');
    session.ws = null;
    this.gatewayEvent('drop', { sessionId: session.id, value: mode === 'close' ? code : 1006, detail: mode });
    if (mode === 'close') ws.close(code, 'emulator drop');
    else ws.terminate();
  }

  /** Sends op 7 RECONNECT on the active session (discord.js closes and resumes). */
  requestReconnect(): void {
    const ws = this.activeSession?.ws;
    if (!ws) throw new Error('requestReconnect: no connected session');
    this.send(ws, { op: GatewayOpcodes.Reconnect, d: null });
  }

  // ----- dispatching -------------------------------------------------------------------------

  /**
   * Sends a dispatch (op 0) on the active session, waiting (up to `timeoutMs`) for a READY session first.
   * If the socket is down, the dispatch is kept and replayed when the client resumes.
   */
  async dispatch(t: string, d: unknown, timeoutMs = 5_000): Promise<DispatchRecord> {
    if (!this.activeSession) await this.waitForReady(timeoutMs);
    const session = this.activeSession;
    if (!session) throw new Error('dispatch: no session');
    const record = this.logDispatch(session, t, d);
    if (session.ws?.readyState === WebSocket.OPEN) this.sendDispatch(session.ws, record);
    return record;
  }

  /** Registers the interaction (for callbacks/webhooks/timing) and dispatches INTERACTION_CREATE once the client is ready. */
  async dispatchInteraction(payload: EmulatedInteraction, timeoutMs = 5_000): Promise<DispatchRecord> {
    const state: InteractionState = {
      payload,
      acknowledged: false,
      original: undefined,
      followUps: new Map(),
      dispatch: undefined,
      firstCallback: undefined,
      originalEdit: undefined,
    };
    this.interactions.set(payload.id, state);
    this.interactionsByToken.set(payload.token, state);
    state.dispatch = await this.dispatch(GatewayDispatchEvents.InteractionCreate, payload, timeoutMs);
    return state.dispatch;
  }

  /** Dispatches a payload just built; resolves to it once the bot has received it. */
  private async dispatched<T extends EmulatedInteraction>(payload: T): Promise<T> {
    await this.dispatchInteraction(payload);
    return payload;
  }

  /** Builds a chat input command interaction and dispatches it; returns the payload (use `.id`, `.token`). */
  async sendChatInput(options: ChatInputOptions): Promise<APIChatInputApplicationCommandInteraction> {
    return this.dispatched(this.chatInputInteraction(options));
  }

  /** Builds a button interaction and dispatches it; returns the payload. */
  async sendButton(options: ButtonOptions): Promise<APIMessageComponentButtonInteraction> {
    return this.dispatched(this.buttonInteraction(options));
  }

  /** Builds an autocomplete interaction and dispatches it; the suggestions are its callback's `data.choices`. */
  async sendAutocomplete(options: AutocompleteOptions): Promise<APIApplicationCommandAutocompleteInteraction> {
    return this.dispatched(this.autocompleteInteraction(options));
  }

  /** Builds a message context-menu command interaction and dispatches it; returns the payload. */
  async sendMessageCommand(options: MessageCommandOptions): Promise<APIMessageApplicationCommandInteraction> {
    return this.dispatched(this.messageCommandInteraction(options));
  }

  /** Builds a modal submit interaction and dispatches it; returns the payload. */
  async sendModalSubmit(options: ModalSubmitOptions): Promise<APIModalSubmitInteraction> {
    return this.dispatched(this.modalSubmitInteraction(options));
  }

  // ----- payload builders --------------------------------------------------------------------

  /** Builds an APPLICATION_COMMAND_AUTOCOMPLETE (type 4) interaction: the chat input so far, one option focused. */
  autocompleteInteraction(options: AutocompleteOptions): APIApplicationCommandAutocompleteInteraction {
    const command = this.chatInputInteraction(options);
    const focus = (list: APIApplicationCommandInteractionDataOption[]): APIApplicationCommandInteractionDataOption[] =>
      list.map((option) =>
        'options' in option && Array.isArray(option.options)
          ? ({ ...option, options: focus(option.options as APIApplicationCommandInteractionDataOption[]) } as APIApplicationCommandInteractionDataOption)
          : option.name === options.focused
            ? ({ ...option, focused: true } as APIApplicationCommandInteractionDataOption)
            : option,
      );
    return { ...command, type: InteractionType.ApplicationCommandAutocomplete, data: { ...command.data, options: focus(command.data.options ?? []) } };
  }

  /** Builds a MESSAGE (type 3) APPLICATION_COMMAND interaction on a message written by another member. */
  messageCommandInteraction(options: MessageCommandOptions): APIMessageApplicationCommandInteraction {
    const base = this.baseInteraction(options);
    const author: APIUser = { id: snowflake(), username: 'someone', global_name: 'Someone', discriminator: '0', avatar: null };
    const target: APIMessage = {
      ...this.makeMessage(base.channel_id, options.dm ? undefined : (options.guildId ?? this.guildId), { content: '' }),
      author,
      webhook_id: undefined,
      type: MessageType.Default,
      ...options.target,
    };
    return {
      ...base,
      type: InteractionType.ApplicationCommand,
      data: {
        id: this.commandIdFor(options.commandName, options.dm ? undefined : (options.guildId ?? this.guildId)),
        name: options.commandName,
        type: ApplicationCommandType.Message,
        target_id: target.id,
        resolved: { messages: { [target.id]: target } },
      },
    };
  }

  /** Builds a MODAL_SUBMIT (type 5) interaction with one text input per field, each in its action row. */
  modalSubmitInteraction(options: ModalSubmitOptions): APIModalSubmitInteraction {
    return {
      ...this.baseInteraction(options),
      type: InteractionType.ModalSubmit,
      data: {
        custom_id: options.customId,
        components: Object.entries(options.fields).map(([customId, value]) => ({
          type: ComponentType.ActionRow,
          components: [{ type: ComponentType.TextInput, custom_id: customId, value }],
        })),
      },
      ...(options.message ? { message: options.message } : {}),
    };
  }

  /** Builds a complete CHAT_INPUT (type 2) APPLICATION_COMMAND interaction payload. */
  chatInputInteraction(options: ChatInputOptions): APIChatInputApplicationCommandInteraction {
    let commandOptions: APIApplicationCommandInteractionDataOption[] = Array.isArray(options.options)
      ? options.options
      : Object.entries(options.options ?? {}).map(([name, value]) => toOption(name, value));
    if (options.subcommand !== undefined) {
      commandOptions = [{ name: options.subcommand, type: ApplicationCommandOptionType.Subcommand, options: commandOptions as never }];
    }
    if (options.subcommandGroup !== undefined) {
      commandOptions = [{ name: options.subcommandGroup, type: ApplicationCommandOptionType.SubcommandGroup, options: commandOptions as never }];
    }
    return {
      ...this.baseInteraction(options),
      type: InteractionType.ApplicationCommand,
      data: {
        id: options.commandId ?? this.commandIdFor(options.commandName, options.dm ? undefined : (options.guildId ?? this.guildId)),
        name: options.commandName,
        type: ApplicationCommandType.ChatInput,
        options: commandOptions,
        ...(options.resolved ? { resolved: options.resolved } : {}),
      },
    };
  }

  /** Builds a complete MESSAGE_COMPONENT (type 3) button interaction payload, including the message carrying the button. */
  buttonInteraction(options: ButtonOptions): APIMessageComponentButtonInteraction {
    const base = this.baseInteraction(options);
    const message = this.makeMessage(base.channel_id, options.dm ? undefined : (options.guildId ?? this.guildId), {
      content: 'message with a button',
      components: [
        {
          type: ComponentType.ActionRow,
          components: [{ type: ComponentType.Button, style: ButtonStyle.Primary, custom_id: options.customId, label: 'Button' }],
        },
      ],
      ...options.message,
    });
    return {
      ...base,
      type: InteractionType.MessageComponent,
      data: { custom_id: options.customId, component_type: ComponentType.Button },
      message,
    };
  }

  private baseInteraction(options: InteractionOptions) {
    const channelId = options.channelId ?? this.channelId;
    const guildId = options.guildId ?? this.guildId;
    const user: APIUser = { ...this.testUser, ...options.user };
    const common = {
      id: options.id ?? snowflake(),
      application_id: this.applicationId,
      channel_id: channelId,
      token: options.token ?? randomToken(),
      version: 1 as const,
      app_permissions: String(options.appPermissions ?? DEFAULT_APP_PERMISSIONS),
      locale: (options.locale ?? Locale.EnglishUS) as Locale,
      entitlements: [],
      attachment_size_limit: 10 * 1024 * 1024,
    };
    if (options.dm) {
      return {
        ...common,
        channel: { id: channelId, type: ChannelType.DM as const, recipients: [user] },
        user,
        authorizing_integration_owners: { 1: user.id },
        context: InteractionContextType.BotDM,
      };
    }
    const member: APIInteractionGuildMember = {
      user,
      nick: options.nick ?? null,
      avatar: null,
      roles: options.roles ?? [],
      joined_at: new Date(Date.now() - 86_400_000).toISOString(),
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
      communication_disabled_until: null,
      permissions: String(options.permissions ?? DEFAULT_MEMBER_PERMISSIONS),
    };
    return {
      ...common,
      guild_id: guildId,
      guild: { id: guildId, locale: Locale.EnglishUS, features: [] },
      guild_locale: Locale.EnglishUS,
      channel: {
        id: channelId,
        type: options.channelType ?? ChannelType.GuildText,
        guild_id: guildId,
        name: options.channelName ?? 'general',
        ...(options.parentId !== undefined ? { parent_id: options.parentId } : {}),
        ...(options.channelType !== undefined && options.channelType !== ChannelType.GuildText
          ? { thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false } }
          : {}),
      },
      member,
      authorizing_integration_owners: { 0: guildId },
      context: InteractionContextType.Guild,
    };
  }

  private commandIdFor(name: string, guildId: string | undefined): string {
    const registered = [...this.registeredCommands(), ...(guildId ? this.registeredCommands(guildId) : [])];
    const found = registered.find((c) => c.name === name);
    return typeof found?.id === 'string' ? found.id : snowflake();
  }

  // ----- gateway -----------------------------------------------------------------------------

  private log(line: string): void {
    const { log } = this.options;
    if (log === true) console.log(`[discord-emulator] ${line}`);
    else if (typeof log === 'function') log(line);
  }

  private gatewayEvent(kind: GatewayEventKind, fields: Omit<GatewayEvent, 'index' | 'kind' | 'at'> = {}): void {
    this.log(`gateway ${kind} ${JSON.stringify(fields)}`);
    this.gatewayLog.push({ index: this.gatewayLog.items.length, kind, at: performance.now(), ...fields });
  }

  private send(ws: WebSocket, payload: GatewayPayload): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(payload));
  }

  /** Assigns the next sequence number and appends the dispatch to the session's replay log. */
  private logDispatch(session: Session, t: string, d: unknown): DispatchRecord {
    const record: DispatchRecord = { t, d, s: ++session.seq, sessionId: session.id, queuedAt: performance.now(), sentAt: undefined, replays: 0 };
    session.log.push(record);
    return record;
  }

  private sendDispatch(ws: WebSocket, record: DispatchRecord): void {
    this.send(ws, { op: GatewayOpcodes.Dispatch, t: record.t, s: record.s, d: record.d });
    record.sentAt ??= performance.now();
  }

  private onGatewayConnection(ws: WebSocket, req: IncomingMessage): void {
    let session: Session | undefined;
    this.gatewayEvent('connect', { detail: req.url ?? '' });
    ws.on('message', (data: RawData) => {
      let payload: GatewayPayload;
      try {
        payload = JSON.parse((data as Buffer).toString()) as GatewayPayload; // ws's default binaryType: one Buffer
      } catch {
        ws.close(4002, 'Error while decoding payload.');
        return;
      }
      switch (payload.op) {
        case GatewayOpcodes.Heartbeat:
          this.gatewayEvent('heartbeat', { sessionId: session?.id, value: typeof payload.d === 'number' ? payload.d : null });
          if (this.ackHeartbeats) this.send(ws, { op: GatewayOpcodes.HeartbeatAck });
          break;
        case GatewayOpcodes.Identify: {
          const d = isRecord(payload.d) ? payload.d : {};
          if (session) {
            ws.close(4005, 'Already authenticated.');
            return;
          }
          if (d.token !== this.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          if (this.options.identifyCloseCode !== undefined) {
            ws.close(this.options.identifyCloseCode, 'Refused by the emulator.');
            return;
          }
          const shard: [number, number] = Array.isArray(d.shard) ? [Number(d.shard[0]), Number(d.shard[1])] : [0, 1];
          session = { id: `session_${snowflake()}`, seq: 0, shard, ws, log: [] };
          this.gatewayEvent('identify', { sessionId: session.id });
          this.sessions.set(session.id, session);
          this.sendReady(session);
          break;
        }
        case GatewayOpcodes.Resume: {
          const d = isRecord(payload.d) ? payload.d : {};
          const target = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
          const seq = typeof d.seq === 'number' ? d.seq : 0;
          this.gatewayEvent('resume', { sessionId: target?.id, value: seq });
          if (session) {
            ws.close(4005, 'Already authenticated.');
            return;
          }
          if (d.token !== this.token) {
            ws.close(4004, 'Authentication failed.');
            return;
          }
          if (!target) {
            this.gatewayEvent('invalid_session');
            this.send(ws, { op: GatewayOpcodes.InvalidSession, d: false });
            break;
          }
          if (target.ws && target.ws !== ws) target.ws.terminate();
          session = target;
          target.ws = ws;
          for (const record of target.log) {
            if (record.s > seq) {
              record.replays += 1;
              this.sendDispatch(ws, record);
            }
          }
          this.send(ws, { op: GatewayOpcodes.Dispatch, t: GatewayDispatchEvents.Resumed, s: ++target.seq, d: {} });
          this.activeSession = target;
          this.gatewayEvent('resumed', { sessionId: target.id, value: target.seq });
          break;
        }
        default:
          this.gatewayEvent('op', { sessionId: session?.id, value: payload.op });
      }
    });
    ws.on('close', (code: number) => {
      this.gatewayEvent('close', { sessionId: session?.id, value: code });
      if (session?.ws === ws) session.ws = null;
    });
    ws.on('error', (error: Error) => this.log(`gateway socket error: ${error.message}`));
    this.send(ws, { op: GatewayOpcodes.Hello, d: { heartbeat_interval: this.options.heartbeatIntervalMs ?? 41_250 } });
  }

  private sendReady(session: Session): void {
    const ws = session.ws;
    if (!ws) return;
    const withGuild = this.options.sendGuildCreate === true;
    const ready = {
      v: 10,
      user: { ...this.botUser, verified: true, mfa_enabled: false, email: null },
      guilds: withGuild ? [{ id: this.guildId, unavailable: true }] : [],
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: this.gatewayUrl,
      shard: session.shard,
      application: { id: this.applicationId, flags: 0 },
      private_channels: [],
      presences: [],
      relationships: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      user_settings: {},
      _trace: ['["discord-emulator",{"micros":0}]'],
    };
    this.sendDispatch(ws, this.logDispatch(session, GatewayDispatchEvents.Ready, ready));
    if (withGuild) this.sendDispatch(ws, this.logDispatch(session, GatewayDispatchEvents.GuildCreate, this.guildPayload()));
    this.activeSession = session;
    this.gatewayEvent('ready', { sessionId: session.id });
  }

  private guildPayload(): Json {
    const now = new Date().toISOString();
    const role = (id: string, name: string, permissions: string, position: number): Json => ({
      id,
      name,
      permissions,
      position,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      managed: false,
      mentionable: false,
      flags: 0,
    });
    return {
      id: this.guildId,
      name: 'Emulated Guild',
      icon: null,
      splash: null,
      discovery_splash: null,
      banner: null,
      description: null,
      owner_id: this.guildOwnerId,
      afk_channel_id: null,
      afk_timeout: 300,
      verification_level: 0,
      default_message_notifications: 0,
      explicit_content_filter: 0,
      mfa_level: 0,
      system_channel_id: null,
      system_channel_flags: 0,
      rules_channel_id: null,
      public_updates_channel_id: null,
      safety_alerts_channel_id: null,
      vanity_url_code: null,
      premium_tier: 0,
      premium_subscription_count: 0,
      preferred_locale: 'en-US',
      nsfw_level: 0,
      premium_progress_bar_enabled: false,
      max_members: 500_000,
      max_video_channel_users: 25,
      features: [],
      application_id: null,
      joined_at: now,
      large: false,
      unavailable: false,
      member_count: 2,
      lazy: true,
      roles: [
        role(this.guildId, '@everyone', DEFAULT_MEMBER_PERMISSIONS, 0),
        ...(this.options.guildRoles ?? []).map((r, i) => role(r.id, r.name ?? `role-${i + 1}`, String(r.permissions ?? 0), r.position ?? i + 1)),
      ],
      channels: [
        {
          id: this.channelId,
          type: ChannelType.GuildText,
          guild_id: this.guildId,
          name: 'general',
          position: 0,
          permission_overwrites: [],
          topic: null,
          nsfw: false,
          last_message_id: null,
          rate_limit_per_user: 0,
          parent_id: null,
          flags: 0,
        },
      ],
      members: [
        { user: this.botUser, nick: null, avatar: null, roles: [], joined_at: now, premium_since: null, deaf: false, mute: false, flags: 0, pending: false },
      ],
      emojis: [],
      stickers: [],
      threads: [],
      presences: [],
      voice_states: [],
      stage_instances: [],
      guild_scheduled_events: [],
      soundboard_sounds: [],
      embedded_activities: [],
    };
  }

  // ----- REST --------------------------------------------------------------------------------

  private async onHttpRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.handleHttpRequest(req, res);
    } catch (error) {
      this.log(`REST handler error: ${String(error)}`);
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: `Emulator error: ${String(error)}`, code: 0 }));
    }
  }

  private async handleHttpRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/cdn/')) {
      this.log(`CDN ${req.method ?? 'GET'} ${url.pathname}`);
      const file = req.method === 'GET' ? this.cdnFiles.get(url.pathname.slice('/cdn'.length)) : undefined;
      if (file) res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.data.length) }).end(file.data);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found');
      return;
    }
    const path = url.pathname
      .split('/')
      .map((segment) => decodeURIComponent(segment))
      .join('/');
    const contentType = req.headers['content-type'] ?? '';
    let body: unknown;
    let files: RecordedFile[] = [];
    try {
      const boundary = /multipart\/form-data;.*boundary=("?)([^";]+)\1/i.exec(contentType)?.[2];
      if (boundary) ({ json: body, files } = parseMultipart(raw, boundary));
      else if (raw.length > 0) body = JSON.parse(raw.toString('utf8'));
    } catch {
      body = raw.toString('utf8');
    }
    const record: RecordedRequest = {
      index: -1,
      method: req.method ?? 'GET',
      path,
      route: path.replace(/^\/api\/v\d+/, ''),
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      body,
      files,
      at: performance.now(),
      receivedAt: Date.now(),
    };
    this.log(`REST ${record.method} ${record.route} ${raw.length > 0 ? raw.toString('utf8').slice(0, 300) : ''}`);
    this.trackTiming(record);

    let status = 200;
    let response: unknown;
    let headers: Record<string, string> = {};
    const fault = this.faults.find((f) => f.remaining > 0 && f.match(record));
    if (fault) {
      fault.remaining -= 1;
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
    }
    if (fault?.reset) {
      if (fault.reset === 'after-handling') this.route(record);
      res.socket?.resetAndDestroy();
      record.index = this.requestLog.items.length;
      this.requestLog.push(record);
      return;
    }
    if (fault?.status !== undefined) {
      status = fault.status;
      response = fault.body ?? { message: `${status}: Injected fault`, code: 0 };
      headers = fault.headers ?? {};
    } else {
      [status, response] = this.route(record);
    }
    record.status = status;
    record.response = response;
    if (!res.destroyed) {
      if (response === undefined) {
        res.writeHead(status, headers).end();
      } else {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(response));
      }
    }
    record.index = this.requestLog.items.length;
    this.requestLog.push(record);
  }

  private trackTiming(record: RecordedRequest): void {
    const parts = record.route.split('/');
    if (record.method === 'POST' && parts[1] === 'interactions' && parts[4] === 'callback') {
      const state = this.interactions.get(parts[2] ?? '');
      if (state) state.firstCallback ??= record;
    } else if (record.method === 'PATCH' && parts[1] === 'webhooks' && parts[4] === 'messages' && parts[5] === '@original') {
      const state = this.interactionsByToken.get(parts[3] ?? '');
      if (state) state.originalEdit ??= record;
    }
  }

  /** Returns [status, JSON body or undefined for an empty body]. */
  private route(r: RecordedRequest): [number, unknown] {
    const p = r.route.split('/').slice(1);
    const m = r.method;
    const authorization = r.headers.authorization;
    if (authorization !== undefined && authorization !== `Bot ${this.token}`) return [401, { message: '401: Unauthorized', code: 0 }];

    if (m === 'GET' && p[0] === 'gateway' && p.length === 1) return [200, { url: this.gatewayUrl }];
    if (m === 'GET' && p[0] === 'gateway' && p[1] === 'bot') {
      return [200, { url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } }];
    }
    if (m === 'GET' && p[0] === 'users' && p[1] === '@me') return [200, this.botUser];
    if (m === 'GET' && p[0] === 'applications' && p[1] === '@me') {
      return [
        200,
        {
          id: this.applicationId,
          name: this.botUser.username,
          icon: null,
          description: '',
          bot_public: true,
          bot_require_code_grant: false,
          verify_key: '0'.repeat(64),
          flags: 0,
          team: null,
          bot: this.botUser,
        },
      ];
    }
    if (p[0] === 'interactions' && p[3] === 'callback' && m === 'POST') return this.onCallback(p[1] ?? '', p[2] ?? '', r);
    if (p[0] === 'webhooks' && p.length >= 3) return this.onWebhook(m, p, r);
    if (p[0] === 'applications' && (p[2] === 'commands' || (p[2] === 'guilds' && p[4] === 'commands'))) {
      const scope = p[2] === 'guilds' ? (p[3] ?? '') : 'global';
      return this.onCommands(m, scope, r);
    }
    if (p[0] === 'channels' && p[2] === 'messages' && p.length === 3 && m === 'POST') {
      return [200, this.makeMessage(p[1] ?? '', undefined, { ...this.messageFields(r), webhook_id: undefined })];
    }
    return [404, { message: '404: Not Found', code: 0 }];
  }

  private onCallback(interactionId: string, token: string, r: RecordedRequest): [number, unknown] {
    const unknown: [number, unknown] = [404, { message: 'Unknown interaction', code: 10062 }];
    const state = this.interactions.get(interactionId);
    if (state?.payload.token !== token) return unknown;
    const deadline = this.options.callbackDeadlineMs;
    const sentAt = state.dispatch?.sentAt;
    if (deadline !== undefined && sentAt !== undefined && r.at - sentAt > deadline) return unknown;
    if (state.acknowledged) return [400, { message: 'Interaction has already been acknowledged.', code: 40060 }];
    const body = isRecord(r.body) ? r.body : {};
    const type = typeof body.type === 'number' ? body.type : -1;
    const data = isRecord(body.data) ? body.data : {};
    const { payload } = state;
    const guildId = payload.guild_id;
    switch (type) {
      case InteractionResponseType.ChannelMessageWithSource:
        state.original = this.makeMessage(payload.channel_id ?? this.channelId, guildId, {
          ...this.messageFields(r, data),
          type: MessageType.ChatInputCommand,
        });
        break;
      case InteractionResponseType.DeferredChannelMessageWithSource: {
        const flags = (typeof data.flags === 'number' ? data.flags : 0) | MessageFlags.Loading;
        state.original = this.makeMessage(payload.channel_id ?? this.channelId, guildId, { content: '', flags, type: MessageType.ChatInputCommand });
        break;
      }
      case InteractionResponseType.DeferredMessageUpdate:
        state.original = payload.message;
        break;
      case InteractionResponseType.UpdateMessage:
        if (payload.message) {
          state.original = { ...payload.message, ...this.messageFields(r, data), edited_timestamp: new Date().toISOString() };
        }
        break;
      case InteractionResponseType.ApplicationCommandAutocompleteResult:
      case InteractionResponseType.Modal:
      case InteractionResponseType.LaunchActivity:
        break;
      default:
        return [
          400,
          {
            message: 'Invalid Form Body',
            code: 50035,
            errors: { type: { _errors: [{ code: 'BASE_TYPE_CHOICES', message: `Value must be one of the interaction response types.` }] } },
          },
        ];
    }
    state.acknowledged = true;
    if (state.original && state.original.id === payload.message?.id) payload.message = state.original;
    if (r.query.with_response !== 'true') return [204, undefined];
    const flags = state.original?.flags ?? 0;
    return [
      200,
      {
        interaction: {
          id: payload.id,
          type: payload.type,
          response_message_id: state.original?.id,
          response_message_loading: type === InteractionResponseType.DeferredChannelMessageWithSource,
          response_message_ephemeral: (flags & MessageFlags.Ephemeral) !== 0,
        },
        resource: { type, ...(state.original ? { message: state.original } : {}) },
      },
    ];
  }

  private onWebhook(method: string, p: string[], r: RecordedRequest): [number, unknown] {
    const [, appId, token, messages, messageId] = p;
    const state = this.interactionsByToken.get(token ?? '');
    if (!state || appId !== this.applicationId) return [404, { message: 'Unknown Webhook', code: 10015 }];
    const unknownMessage: [number, unknown] = [404, { message: 'Unknown Message', code: 10008 }];
    if (messages === undefined && method === 'POST') {
      if (!state.acknowledged) return [404, { message: 'Unknown Webhook', code: 10015 }];
      const message = this.makeMessage(state.payload.channel_id ?? this.channelId, state.payload.guild_id, this.messageFields(r));
      state.followUps.set(message.id, message);
      return r.query.wait === 'false' ? [204, undefined] : [200, message];
    }
    if (messages !== 'messages' || messageId === undefined || p.length !== 5) return [404, { message: '404: Not Found', code: 0 }];
    const current = messageId === '@original' ? state.original : state.followUps.get(messageId);
    if (!current) return unknownMessage;
    const store = (message: APIMessage): void => {
      if (messageId === '@original') state.original = message;
      else state.followUps.set(messageId, message);
    };
    if (method === 'GET') return [200, current];
    if (method === 'DELETE') {
      if (messageId === '@original') state.original = undefined;
      else state.followUps.delete(messageId);
      return [204, undefined];
    }
    if (method === 'PATCH') {
      const wasLoading = ((current.flags ?? 0) & MessageFlags.Loading) !== 0;
      const fields = this.messageFields(r);
      const updated: APIMessage = {
        ...current,
        ...fields,
        flags: ((fields.flags ?? current.flags ?? 0) & ~MessageFlags.Loading) | ((current.flags ?? 0) & MessageFlags.Ephemeral),
        edited_timestamp: wasLoading ? null : new Date().toISOString(),
      };
      store(updated);
      return [200, updated];
    }
    return [405, { message: '405: Method Not Allowed', code: 0 }];
  }

  private onCommands(method: string, scope: string, r: RecordedRequest): [number, unknown] {
    const normalize = (c: Json): Json => ({
      type: ApplicationCommandType.ChatInput,
      description: '',
      options: [],
      default_member_permissions: null,
      nsfw: false,
      contexts: null,
      integration_types: [0],
      ...c,
      id: typeof c.id === 'string' ? c.id : snowflake(),
      application_id: this.applicationId,
      version: snowflake(),
      ...(scope === 'global' ? {} : { guild_id: scope }),
    });
    if (method === 'GET') return [200, this.registeredCommands(scope === 'global' ? undefined : scope)];
    if (method === 'PUT') {
      const list = Array.isArray(r.body) ? r.body.filter(isRecord).map(normalize) : [];
      this.commands.set(scope, list);
      return [200, list];
    }
    if (method === 'POST' && isRecord(r.body)) {
      const command = normalize(r.body);
      const others = (this.commands.get(scope) ?? []).filter((c) => c.name !== command.name);
      this.commands.set(scope, [...others, command]);
      return [201, command];
    }
    return [405, { message: '405: Method Not Allowed', code: 0 }];
  }

  /** Picks the message fields of a create/edit body (defaults to the request body). */
  private messageFields(r: RecordedRequest, source: unknown = r.body): Partial<APIMessage> {
    const body = isRecord(source) ? source : {};
    const fields: Json = {};
    for (const key of MESSAGE_BODY_FIELDS) if (key in body) fields[key] = body[key];
    if (Array.isArray(body.attachments) || r.files.length > 0) {
      const described = Array.isArray(body.attachments) ? body.attachments.filter(isRecord) : [];
      fields.attachments = r.files.map((file, i) => {
        const id = snowflake();
        const meta = described.find((a) => String(a.id) === String(i)) ?? {};
        const filename = typeof meta.filename === 'string' ? meta.filename : file.filename;
        return {
          id,
          filename,
          size: file.data.length,
          content_type: file.contentType,
          url: `${this.apiBase}/attachments/${id}/${filename}`,
          proxy_url: `${this.apiBase}/attachments/${id}/${filename}`,
          ...(typeof meta.description === 'string' ? { description: meta.description } : {}),
        };
      });
    }
    return fields;
  }

  /** A complete message authored by the bot (as an interaction webhook). */
  private makeMessage(channelId: string, guildId: string | undefined, fields: Partial<APIMessage>): APIMessage {
    return {
      id: snowflake(),
      channel_id: channelId,
      ...(guildId ? { guild_id: guildId } : {}),
      author: this.botUser,
      content: '',
      embeds: [],
      components: [],
      attachments: [],
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      pinned: false,
      type: MessageType.Default,
      flags: 0,
      webhook_id: this.applicationId,
      application_id: this.applicationId,
      ...fields,
    } as APIMessage;
  }
}

function toOption(name: string, value: OptionValue): APIApplicationCommandInteractionDataOption {
  if (typeof value === 'object') return { name, type: value.type, value: value.value } as APIApplicationCommandInteractionDataOption;
  if (typeof value === 'string') return { name, type: ApplicationCommandOptionType.String, value };
  if (typeof value === 'boolean') return { name, type: ApplicationCommandOptionType.Boolean, value };
  return Number.isInteger(value) ? { name, type: ApplicationCommandOptionType.Integer, value } : { name, type: ApplicationCommandOptionType.Number, value };
}
