// `fathom-llm/server`: the OpenAI-compatible HTTP server (a separate entry, so that an app that only
// runs models never loads fastify).
export { createServer, type ServerOptions } from './create-server.js';
export type { ApiErrorBody, ApiErrorType } from './api-error.js';
