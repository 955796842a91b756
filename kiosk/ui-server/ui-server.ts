import type { ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import { buildSimulationPanelBundle, buildUiBundle } from '../ui/build';
import { loadCatalogues } from '../ui/catalogues';
import { defaultSpeechDir, readSpeechManifest } from '../speech/speech-build';
import { newLaunchSecret, secretMatches } from './launch-secret';
import { SECURITY_HEADERS } from '../../web/security-headers';
import { type SimulationControls, isSimulationAction } from './simulation-actions';
import { type UiEvent, isUiEvent } from './ui-events';

/** Where the kiosk core's view models come from: the latest one, and every change after it. */
export interface ViewModelSource<ViewModel> {
  current(): ViewModel;
  /** Calls `listener` on every new view model; returns the unsubscribe function. */
  subscribe(listener: (viewModel: ViewModel) => void): () => void;
}

export interface UiServerOptions<ViewModel> {
  /** Loopback only: the UI is for the kiosk's own screen. */
  host: '127.0.0.1';
  /** 0 picks any free port. */
  port: number;
  viewModels: ViewModelSource<ViewModel>;
  /** Receives every validated UI event. Key events carry one character and must never be logged. */
  onEvent(event: UiEvent): void;
  /** Optional pino logger; the server logs no request lines, only its own start/refusal facts. */
  logger?: FastifyBaseLogger;
  /**
   * Simulation mode only (npm start): the controls of the simulated card, phone and clock. The
   * panel's page and endpoints exist only when this is given, behind the same launch secret.
   */
  simulation?: SimulationControls;
  /**
   * The speech cache made by `npm run speech` (docs/speech.md); default `defaultSpeechDir()`.
   * Without a built cache the UI still logs what it would say but plays nothing.
   */
  speechDir?: string;
}

export interface UiServer {
  /** The launch URL, carrying this launch's secret: give it to the kiosk window only. */
  url: string;
  /** http://127.0.0.1:PORT, for origin checks (Electron's navigation policy). */
  origin: string;
  /** Simulation mode only: the panel's launch URL (same secret), for a second window beside the kiosk. */
  simulationUrl?: string;
  close(): Promise<void>;
}

const UI_ROOT = fileURLToPath(new URL('../ui/', import.meta.url));
const PUBLIC_DIR = `${UI_ROOT}public`;
/** A UI event is a few dozen bytes; anything bigger is not one. */
const EVENT_BODY_LIMIT = 256;
const STREAM_PATH = '/view-model/stream';
const PANEL_PATH = '/simulation';

/** The value of one cookie; ours is base64url, so no decoding or quoting rules apply. */
function readCookie(header: string | undefined, name: string): string | undefined {
  for (const pair of header?.split(';') ?? []) {
    const [key, value] = pair.trim().split('=', 2);
    if (key === name) return value;
  }
  return undefined;
}

/** A live JSON feed over SSE: the current value on connect, then every change, until the client leaves. */
function streamSource<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  source: ViewModelSource<T>,
  streams: Set<ServerResponse>,
): void {
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'text/event-stream; charset=utf-8',
    connection: 'keep-alive',
  });
  const send = (value: T): void => {
    raw.write(`data: ${JSON.stringify(value)}\n\n`);
  };
  raw.write('retry: 1000\n\n');
  send(source.current());
  const unsubscribe = source.subscribe(send);
  streams.add(raw);
  request.raw.on('close', () => {
    unsubscribe();
    streams.delete(raw);
  });
}

/**
 * Serves the kiosk UI on 127.0.0.1 behind a per-launch secret. The launch URL `/?k=SECRET` trades
 * the secret for an HttpOnly, SameSite=Strict cookie and redirects to `/`, so the secret leaves the
 * address bar at once; every other route needs the cookie (401 otherwise). View models stream over
 * SSE (the whole model on connect and on each change); UI events come back as POST /events.
 */
export async function createUiServer<ViewModel>(options: UiServerOptions<ViewModel>): Promise<UiServer> {
  const secret = newLaunchSecret();
  const simulation = options.simulation;
  const speechDir = options.speechDir ?? defaultSpeechDir();
  const [bundle, catalogues, panelBundle, speech] = await Promise.all([
    buildUiBundle(),
    // All catalogues in kiosk/ui/messages (adding a language = adding one file), Japanese first.
    loadCatalogues(),
    simulation ? buildSimulationPanelBundle() : undefined,
    readSpeechManifest(speechDir),
  ]);
  const speechManifest = speech ?? { format: 1, chime: '', languages: {} };
  /** Only files the manifest names are served from the cache folder. */
  const speechFiles = new Set<string>([
    speechManifest.chime,
    ...Object.values(speechManifest.languages).flatMap((language) => Object.values(language.phrases)),
  ]);
  speechFiles.delete('');
  /** Paths where the launch secret may be traded for the cookie. */
  const launchPaths = simulation ? ['/', PANEL_PATH] : ['/'];
  const streams = new Set<ServerResponse>();
  const app = Fastify({
    loggerInstance: options.logger,
    // No request lines at all: launch URLs carry the secret, key events carry PIN characters.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: EVENT_BODY_LIMIT,
    // Hijacked SSE responses would otherwise keep close() waiting forever.
    forceCloseConnections: true,
  });
  // JSON only: text/plain is what a cross-site form could send without a CORS preflight.
  app.removeContentTypeParser('text/plain');
  let cookieName = 'kiosk_ui';
  let expectedHost = '';

  const authorised = (request: FastifyRequest): boolean =>
    secretMatches(readCookie(request.headers.cookie, cookieName), secret);

  app.addHook('onRequest', async (request, reply) => {
    // A page on another host name resolving to 127.0.0.1 (DNS rebinding) must not reach the UI.
    if (request.headers.host !== expectedHost) return reply.code(421).send({ error: 'wrong host' });
    if (request.method === 'GET' && launchPaths.some((path) => request.url.startsWith(`${path}?k=`))) {
      return undefined;
    }
    if (!authorised(request)) return reply.code(401).send({ error: 'unauthorised' });
    return undefined;
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });

  await app.register(fastifyStatic, { root: PUBLIC_DIR, serve: false });

  /** Serves `page`, or trades a presented launch secret for the cookie and redirects to `path`. */
  const launchablePage = (path: string, page: string) =>
    app.get<{ Querystring: { k?: string } }>(path, async (request, reply) => {
      const presented = request.query.k;
      if (presented !== undefined) {
        if (!secretMatches(presented, secret)) return reply.code(401).send({ error: 'unauthorised' });
        reply.header('set-cookie', `${cookieName}=${secret}; Path=/; HttpOnly; SameSite=Strict`);
        return reply.redirect(path, 303);
      }
      return reply.sendFile(page);
    });
  launchablePage('/', 'index.html');
  app.get('/styles.css', async (_request, reply) => reply.sendFile('styles.css'));
  app.get('/app.js', async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(bundle));
  app.get('/messages.json', async () => catalogues);
  app.get('/speech/manifest.json', async () => speechManifest);
  app.get<{ Params: { '*': string } }>('/speech/*', async (request, reply) => {
    const file = request.params['*'];
    if (!speechFiles.has(file)) return reply.code(404).send({ error: 'no such clip' });
    return reply.type('audio/wav').sendFile(file, speechDir);
  });

  app.get(STREAM_PATH, (request: FastifyRequest, reply: FastifyReply) =>
    streamSource(request, reply, options.viewModels, streams),
  );

  app.post('/events', async (request, reply) => {
    if (!isUiEvent(request.body)) {
      // Never echo or log the refused body: it could be someone's PIN.
      request.log.warn('refused a UI event that is not one of the allowed shapes');
      return reply.code(400).send({ error: 'not a UI event' });
    }
    options.onEvent(request.body);
    return reply.code(204).send();
  });

  if (simulation && panelBundle !== undefined) {
    launchablePage(PANEL_PATH, 'simulation.html');
    app.get('/simulation.css', async (_request, reply) => reply.sendFile('simulation.css'));
    app.get('/simulation.js', async (_request, reply) =>
      reply.type('text/javascript; charset=utf-8').send(panelBundle),
    );
    app.get(`${PANEL_PATH}/stream`, (request: FastifyRequest, reply: FastifyReply) =>
      streamSource(
        request,
        reply,
        { current: () => simulation.state(), subscribe: (l) => simulation.subscribe(l) },
        streams,
      ),
    );
    app.post(`${PANEL_PATH}/actions`, async (request, reply) => {
      if (!isSimulationAction(request.body)) {
        request.log.warn('refused a simulation action that is not one of the allowed shapes');
        return reply.code(400).send({ error: 'not a simulation action' });
      }
      return reply.send(await simulation.perform(request.body));
    });
  }

  app.addHook('preClose', async () => {
    for (const raw of streams) raw.end();
    streams.clear();
  });

  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('UI server has no TCP address');
  expectedHost = `${options.host}:${address.port}`;
  cookieName = `kiosk_ui_${address.port}`;
  const origin = `http://${expectedHost}`;
  return {
    url: `${origin}/?k=${secret}`,
    origin,
    ...(simulation ? { simulationUrl: `${origin}${PANEL_PATH}?k=${secret}` } : {}),
    close: () => app.close(),
  };
}
