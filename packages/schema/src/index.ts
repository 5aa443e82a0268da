export { DelineateError, errorCodes, exhaustiveSwitchError, isDelineateError, type ErrorCode } from './errors';
