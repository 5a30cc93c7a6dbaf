// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

/** Every path no other route claims: 404 with the list of routes. */
final class UnknownRoute extends Route {
    UnknownRoute(ServerContext ctx) {
        super(ctx, "/", false, "GET");
    }

    @Override
    String label() {
        return "other";
    }

    @Override
    boolean matches(String requestPath) {
        return false;
    }

    @Override
    int serve(Exchange ex) {
        throw new AssertionError("unreachable: matches() is always false");
    }
}
