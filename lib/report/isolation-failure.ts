/**
 * Opens the message of every failure that is an isolation finding. The project's own tests
 * require it on each failure they count as a catch, so that a crash or a timeout is never
 * mistaken for the suite catching a bug.
 */
export const ISOLATION_FAILURE = 'Isolation check failed';
