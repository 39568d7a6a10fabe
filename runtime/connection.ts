import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { StewardEnv } from './config.js';

/** The cluster address: TEMPORAL_ADDRESS, or the embedded dev server `npm start` runs. */
export function temporalAddress(env: StewardEnv): string {
  return env.TEMPORAL_ADDRESS ?? `127.0.0.1:${env.TEMPORAL_PORT}`;
}

/** TLS and API key for Temporal Cloud (or any secured cluster); nothing for a local server. */
function securityOptions(env: StewardEnv) {
  const clientCertPair = env.TEMPORAL_TLS_CERT_PATH
    ? { crt: readFileSync(env.TEMPORAL_TLS_CERT_PATH), key: readFileSync(env.TEMPORAL_TLS_KEY_PATH!) }
    : undefined;
  const tls = clientCertPair ? { clientCertPair } : env.TEMPORAL_API_KEY || env.TEMPORAL_TLS ? true : undefined;
  return { tls, ...(env.TEMPORAL_API_KEY ? { apiKey: env.TEMPORAL_API_KEY } : {}) };
}

export function connectWorker(env: StewardEnv): Promise<NativeConnection> {
  return NativeConnection.connect({ address: temporalAddress(env), ...securityOptions(env) });
}

export async function connectClient(env: StewardEnv): Promise<Client> {
  const connection = await Connection.connect({ address: temporalAddress(env), ...securityOptions(env), connectTimeout: '5 seconds' });
  return new Client({ connection, namespace: env.TEMPORAL_NAMESPACE });
}
