import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { IpcInput } from '../../common/ipc/contract.ts';
import { latchkey, unwrap } from '../ipc/latchkey.ts';

/** Query keys of the products domain. */
export const productKeys = {
  list: (connectionId: string) => ['products', connectionId] as const,
  clients: (connectionId: string, code: string) =>
    ['products', connectionId, code, 'clients'] as const,
};

/** Every product of the connection's service, in display order, each with its ETag. */
export function useProducts(connectionId: string) {
  return useQuery({
    queryKey: productKeys.list(connectionId),
    queryFn: () => unwrap(latchkey().listProducts({ connectionId })),
  });
}

/** Adding or changing one product can move the others, and a refusal may mean a newer list: read it again. */
function useRefetchProducts() {
  const qc = useQueryClient();
  return (_result: unknown, _error: unknown, input: { connectionId: string }) =>
    qc.invalidateQueries({ queryKey: productKeys.list(input.connectionId) });
}

/** Adds a product (last, or at its position). */
export function useAddProduct() {
  const onSettled = useRefetchProducts();
  return useMutation({
    mutationFn: (input: IpcInput<'addProduct'>) => unwrap(latchkey().addProduct(input)),
    onSettled,
  });
}

/** Renames, re-addresses or moves a product (If-Match: the ETag it was read with). */
export function useEditProduct() {
  const onSettled = useRefetchProducts();
  return useMutation({
    mutationFn: (input: IpcInput<'editProduct'>) => unwrap(latchkey().editProduct(input)),
    onSettled,
  });
}

/** A product's registered OpenID Connect clients. */
export function useProductClients(connectionId: string, code: string | undefined) {
  return useQuery({
    queryKey: productKeys.clients(connectionId, code ?? ''),
    queryFn: () => unwrap(latchkey().listProductClients({ connectionId, code: code ?? '' })),
    enabled: code !== undefined,
  });
}

function useRefetchClients() {
  const qc = useQueryClient();
  return (_result: unknown, _error: unknown, input: { connectionId: string; code: string }) =>
    qc.invalidateQueries({ queryKey: productKeys.clients(input.connectionId, input.code) });
}

/** Registers a client of a product; the answer holds its secret, once. */
export function useAddProductClient() {
  const onSettled = useRefetchClients();
  return useMutation({
    mutationFn: (input: IpcInput<'addProductClient'>) => unwrap(latchkey().addProductClient(input)),
    onSettled,
  });
}

/** Removes a product's client. */
export function useRemoveProductClient() {
  const onSettled = useRefetchClients();
  return useMutation({
    mutationFn: (input: IpcInput<'removeProductClient'>) =>
      unwrap(latchkey().removeProductClient(input)),
    onSettled,
  });
}
