package dev.egemma.server;

import dev.egemma.tokenizer.TokenType;
import dev.egemma.tokenizer.Tokenizer;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /tokenize}, TEI's tokenizer route: for each input, its tokens as
 * {@code {"id", "text", "special", "start", "stop"}}, exactly the ids {@code /embed} feeds the model (prompt
 * applied, special tokens added unless {@code add_special_tokens} is false), never truncated.
 */
final class TeiTokenizeRoute extends TeiRoute {
    TeiTokenizeRoute(ServerContext ctx) {
        super(ctx, "/tokenize", "POST");
    }

    @Override
    int serve(Exchange ex) throws IOException {
        Tokenizer t = tokenizer(ex);
        TeiRequests.Tokenize req = TeiRequests.tokenize(body(ex), ctx.limits().maxInputs());
        List<int[]> all = new ArrayList<>(req.texts().size());
        for (String text : req.texts()) all.add(t.encode(text, req.addSpecialTokens(), true));
        byte[] body = Json.write(g -> {
            g.writeStartArray();
            for (int[] ids : all) {
                g.writeStartArray();
                for (int id : ids) {
                    boolean special = t.tokenType(id) == TokenType.CONTROL;
                    g.writeStartObject();
                    g.writeNumberField("id", id);
                    // a special token's text is its name (<bos>); an ordinary one's is the text it stands for
                    g.writeStringField("text", special ? t.piece(id) : t.decode(new int[] {id}, true));
                    g.writeBooleanField("special", special);
                    g.writeNullField("start");
                    g.writeNullField("stop");
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        });
        sendJson(ex, 200, body);
        return 200;
    }
}
