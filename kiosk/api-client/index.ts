export { KioskApiClient, type CallOptions, type KioskApiClientOptions } from './kiosk-api-client';
export { KioskApiError, type TransportFailureCode } from './kiosk-api-error';
export { loadKioskPrivateKey, signKioskRequest } from './request-signer';
