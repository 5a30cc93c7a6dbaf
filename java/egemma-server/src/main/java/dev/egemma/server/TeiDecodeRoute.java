// SPDX-License-Identifier: Apache-2.0
package dev.egemma.server;

import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;

/** {@code POST /decode}, TEI's detokenizer: answers one string per id sequence, {@code ["text", ...]}. */
final class TeiDecodeRoute extends TeiRoute {
    TeiDecodeRoute(ServerContext ctx) {
        super(ctx, "/decode", "POST");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        TeiRequests.Decode req = TeiRequests.decode(body(ex), ctx.limits().maxInputs());
        Tokenizer t = tokenizer(ex);
        String[] texts = new String[req.ids().size()];
        for (int i = 0; i < texts.length; i++) {
            int[] ids = req.ids().get(i);
            for (int j = 0; j < ids.length; j++)
                if (ids[j] >= t.vocabSize())
                    throw ApiException.badRequest("ids[" + i + "][" + j + "] = " + ids[j] + " is not a token id (vocabulary size " + t.vocabSize() + ")", "ids");
            // skip_special_tokens false keeps BOS/EOS and other control texts, as TEI's tokenizer does
            texts[i] = t.decode(ids, !req.skipSpecialTokens());
        }
        byte[] body = Json.write(g -> {
            g.writeStartArray();
            for (String s : texts) g.writeString(s);
            g.writeEndArray();
        });
        sendJson(ex, 200, body);
        return 200;
    }
}
