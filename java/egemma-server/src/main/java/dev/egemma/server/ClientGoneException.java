// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import java.io.IOException;

/** The client closed its connection while its request was being handled: its work was cancelled, nobody to answer. */
final class ClientGoneException extends IOException {
    ClientGoneException() {
        super("the client closed the connection; its request was cancelled", null);
    }
}
