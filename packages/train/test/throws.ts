/** The error assertions shared with the datasets tests (type and message text, sync and async). */
export { throwsWith, rejectsWith } from '../../datasets/test/throws.js';
