import { operation } from './operation.ts';

/** Bridge functions of the Products screen (PRODUCT_IPC), one per operation. */
export const productBridge = {
  listProducts: operation('listProducts'),
  addProduct: operation('addProduct'),
  editProduct: operation('editProduct'),
  listProductClients: operation('listProductClients'),
  addProductClient: operation('addProductClient'),
  removeProductClient: operation('removeProductClient'),
};
