/** The specification appendix's signing test key: seed, key ID and server name. */
export const SPEC_SEED = 'YJDBA9Xnr2sVqXD9Vj7XVUnmFZcZrlw8Md7kMW+3XA1';
export const SPEC_KEY_ID = 'ed25519:1';
export const SPEC_SERVER_NAME = 'domain';
