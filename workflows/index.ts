/** Every workflow type the worker registers. Add a new business process here. */
export { duplicatePaymentRefund } from './duplicatePaymentRefund.js';
