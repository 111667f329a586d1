import { errorCode } from './errors.js';

/**
 * Whether process `pid` of this machine is running. Only "no such process" counts as not
 * running: a process of another user (EPERM) is.
 */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) !== 'ESRCH';
  }
}
