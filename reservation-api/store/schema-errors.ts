/** The database's schema is newer than this code knows: refuse to run rather than guess. */
export class SchemaTooNewError extends Error {
  override readonly name = 'SchemaTooNewError';
}
