/** The wire contract of the reservation API: the one place both sides import. */
export * from './admin';
export * from './card-proof';
export * from './chains';
export * from './credentials';
export * from './errors';
export * from './face-attestation';
export * from './kiosk';
export * from './kiosk-signing';
export * from './phone';
export * from './prefectures';
export * from './primitives';
export * from './paths';
export * from './ops-kiosk';
export * from './failure-classes';
